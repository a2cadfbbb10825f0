-- Indexes in the portal's listing order, so that a section's page, the
-- home page's tabs, 重要发布 and the Last-Modified lookup read only the rows
-- they show (walking the index from the newest end) instead of sorting
-- every published article: measured by the portal benchmark at 100 000
-- articles (docs/benchmarks.md).
CREATE INDEX articles_listing ON articles (state, section, pinned, publish_at, id);
CREATE INDEX articles_listing_all ON articles (state, pinned, publish_at, id);
CREATE INDEX articles_important ON articles (state, important, pinned, publish_at, id);
CREATE INDEX articles_published_at ON articles (state, publish_at);
CREATE INDEX articles_updated_at ON articles (state, updated_at, publish_at);
