-- 站内搜索 without reading the articles (issue 9): a posting carries its
-- article's section and publication time, so a search filters and orders
-- its candidates from the postings alone instead of looking up each
-- candidate's article. Postings exist only while their article is
-- published, and a published article's section and time do not change,
-- so the copies cannot go stale. The primary key's index carries them
-- with the weight (INCLUDE), for index-only scans.
ALTER TABLE article_terms ADD COLUMN section TEXT;
ALTER TABLE article_terms ADD COLUMN publish_at BIGINT;
UPDATE article_terms t SET section = a.section, publish_at = COALESCE(a.publish_at, 0)
FROM articles a WHERE a.id = t.article_id;
ALTER TABLE article_terms ALTER COLUMN section SET NOT NULL;
ALTER TABLE article_terms ALTER COLUMN publish_at SET NOT NULL;
ALTER TABLE article_terms DROP CONSTRAINT article_terms_pkey;
ALTER TABLE article_terms ADD PRIMARY KEY (term, article_id) INCLUDE (weight, section, publish_at);
