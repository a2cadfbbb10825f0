//! Applications (申报书) from draft to acceptance, their history, per-
//! applicant deadline extensions and paper-copy arrivals. State changes are
//! compare-and-set on the current state, so a double click, a retry or two
//! tabs change an application once. State codes are bound from
//! [`ApplicationState`], never written into the SQL text, so the queries
//! name only states the domain defines.

use scigrant_domain::grants::application::ApplicationState;
use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub call_id: i64,
    pub form_spec_id: i64,
    pub person_id: i64,
    pub unit_id: i64,
    pub number: Option<String>,
    pub title: String,
    pub data_json: String,
    pub state: String,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub submitted_json: Option<String>,
    pub digest: Option<String>,
    pub pilot_city: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewApplication<'a> {
    pub call_id: i64,
    pub form_spec_id: i64,
    pub person_id: i64,
    pub unit_id: i64,
    pub title: &'a str,
    pub data_json: &'a str,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, a: &NewApplication<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO applications (call_id, form_spec_id, person_id, unit_id, title, data_json, state, saved_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id",
    )
    .bind(a.call_id)
    .bind(a.form_spec_id)
    .bind(a.person_id)
    .bind(a.unit_id)
    .bind(a.title)
    .bind(a.data_json)
    .bind(ApplicationState::Draft.code())
    .bind(a.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<ApplicationRow>> {
    Ok(sqlx::query_as("SELECT * FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// An application without its two form columns (the draft and the
/// submitted version, each several KB sealed): what the save and submit
/// paths check (owner, state, call, unit, number) before they write.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationHead {
    pub id: i64,
    pub call_id: i64,
    pub form_spec_id: i64,
    pub person_id: i64,
    pub unit_id: i64,
    pub number: Option<String>,
    pub title: String,
    pub state: String,
    pub submitted_at: Option<i64>,
    pub digest: Option<String>,
}

pub async fn head(c: &mut AnyConnection, id: i64) -> Result<Option<ApplicationHead>> {
    Ok(sqlx::query_as(
        "SELECT id, call_id, form_spec_id, person_id, unit_id, number, title, state,
            submitted_at, digest
         FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await?)
}

pub async fn by_number(c: &mut AnyConnection, number: &str) -> Result<Option<ApplicationRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM applications WHERE number = $1")
            .bind(number)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn of_person(c: &mut AnyConnection, person_id: i64) -> Result<Vec<ApplicationRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM applications WHERE person_id = $1 ORDER BY updated_at DESC")
            .bind(person_id)
            .fetch_all(c)
            .await?,
    )
}

/// A person's application to a call, in whatever state, if any: a person
/// has one application per call, begun once and kept through returns.
pub async fn of_person_in_call(
    c: &mut AnyConnection,
    person_id: i64,
    call_id: i64,
) -> Result<Option<ApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM applications WHERE person_id = $1 AND call_id = $2 ORDER BY id LIMIT 1",
    )
    .bind(person_id)
    .bind(call_id)
    .fetch_optional(c)
    .await?)
}

/// A unit's applications that left the draft stage, newest first.
pub async fn of_unit(c: &mut AnyConnection, unit_id: i64) -> Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM applications WHERE unit_id = $1 AND state <> $2 ORDER BY submitted_at DESC, id DESC",
    )
    .bind(unit_id)
    .bind(ApplicationState::Draft.code())
    .fetch_all(c)
    .await?)
}

/// Applications of a call that reached the unit or beyond, in number
/// order; only those in `state` when one is given.
pub async fn of_call(
    c: &mut AnyConnection,
    call_id: i64,
    state: Option<ApplicationState>,
) -> Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM applications WHERE call_id = $1 AND state <> $2 AND ($3 = '' OR state = $3) ORDER BY number, id",
    )
    .bind(call_id)
    .bind(ApplicationState::Draft.code())
    .bind(state.map(ApplicationState::code).unwrap_or(""))
    .fetch_all(c)
    .await?)
}

/// Autosave: only the owner's application, only while editable (draft or
/// returned, [`ApplicationState::editable`]).
pub async fn save_draft(
    c: &mut AnyConnection,
    id: i64,
    person_id: i64,
    title: &str,
    data_json: &str,
    pilot_city: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET data_json = $1, title = $2, pilot_city = $3, saved_at = $4, updated_at = $4
         WHERE id = $5 AND person_id = $6 AND state IN ($7, $8)",
    )
    .bind(data_json)
    .bind(title)
    .bind(pilot_city)
    .bind(now)
    .bind(id)
    .bind(person_id)
    .bind(ApplicationState::Draft.code())
    .bind(ApplicationState::Returned.code())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Freezes the submitted version, writing what was typed as the draft in
/// the same statement. False when it was no longer editable (already
/// submitted by an earlier click or another tab): nothing is written.
pub struct Submission<'a> {
    pub id: i64,
    pub person_id: i64,
    /// The draft's title, sealed form and 试点城市, as `save_draft` writes them.
    pub title: &'a str,
    pub data_json: &'a str,
    pub pilot_city: &'a str,
    pub submitted_json: &'a str,
    pub digest: &'a str,
    pub now: i64,
}

pub async fn submit(c: &mut AnyConnection, s: &Submission<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET state = $1, submitted_json = $2, digest = $3, submitted_at = $4,
            updated_at = $4, saved_at = $4, data_json = $5, title = $6, pilot_city = $7
         WHERE id = $8 AND person_id = $9 AND state IN ($10, $11)",
    )
    .bind(ApplicationState::Submitted.code())
    .bind(s.submitted_json)
    .bind(s.digest)
    .bind(s.now)
    .bind(s.data_json)
    .bind(s.title)
    .bind(s.pilot_city)
    .bind(s.id)
    .bind(s.person_id)
    .bind(ApplicationState::Draft.code())
    .bind(ApplicationState::Returned.code())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the application its number at first submission; kept afterwards.
pub async fn set_number(c: &mut AnyConnection, id: i64, number: &str) -> Result<()> {
    sqlx::query("UPDATE applications SET number = $1 WHERE id = $2 AND number IS NULL")
        .bind(number)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Compare-and-set: moves the application from `from` to `to`; false when
/// it was no longer in `from`.
pub async fn move_state(
    c: &mut AnyConnection,
    id: i64,
    from: ApplicationState,
    to: ApplicationState,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.code())
    .bind(now)
    .bind(id)
    .bind(from.code())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub application_id: i64,
    pub at: i64,
    pub actor_label: String,
    pub action: String,
    pub comment: String,
}

pub async fn add_event(
    c: &mut AnyConnection,
    application_id: i64,
    at: i64,
    actor_label: &str,
    action: &str,
    comment: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_label, action, comment) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(application_id)
    .bind(at)
    .bind(actor_label)
    .bind(action)
    .bind(comment)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn events(c: &mut AnyConnection, application_id: i64) -> Result<Vec<EventRow>> {
    Ok(
        sqlx::query_as(
            "SELECT * FROM application_events WHERE application_id = $1 ORDER BY at, id",
        )
        .bind(application_id)
        .fetch_all(c)
        .await?,
    )
}

/// Recommended (or later) applications of calls in `city_group` naming `city`.
pub async fn recommended_in_city(
    c: &mut AnyConnection,
    city_group: &str,
    city: &str,
    except: i64,
) -> Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT a.* FROM applications a JOIN calls k ON k.id = a.call_id
         WHERE k.city_group = $1 AND a.pilot_city = $2 AND a.id <> $3
           AND a.state IN ($4, $5)
         ORDER BY a.id",
    )
    .bind(city_group)
    .bind(city)
    .bind(except)
    .bind(ApplicationState::Recommended.code())
    .bind(ApplicationState::Accepted.code())
    .fetch_all(c)
    .await?)
}

/// The unit's other recommended applications in the same program.
pub async fn recommended_of_unit_in_program(
    c: &mut AnyConnection,
    unit_id: i64,
    program_id: i64,
    except: i64,
) -> Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT a.* FROM applications a JOIN calls k ON k.id = a.call_id
         WHERE a.unit_id = $1 AND k.program_id = $2 AND a.id <> $3 AND a.state IN ($4, $5)
         ORDER BY a.id",
    )
    .bind(unit_id)
    .bind(program_id)
    .bind(except)
    .bind(ApplicationState::Recommended.code())
    .bind(ApplicationState::Accepted.code())
    .fetch_all(c)
    .await?)
}

pub async fn grant_extension(
    c: &mut AnyConnection,
    call_id: i64,
    person_id: i64,
    until: i64,
    reason: &str,
    granted_by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO extensions (call_id, person_id, until_at, reason, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(call_id)
    .bind(person_id)
    .bind(until)
    .bind(reason)
    .bind(granted_by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExtensionRow {
    pub id: i64,
    pub call_id: i64,
    pub person_id: i64,
    pub until_at: i64,
    pub reason: String,
    pub granted_by: String,
    pub created_at: i64,
}

/// The latest extension granted to a person for a call.
pub async fn extension(
    c: &mut AnyConnection,
    call_id: i64,
    person_id: i64,
) -> Result<Option<ExtensionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM extensions WHERE call_id = $1 AND person_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(call_id)
    .bind(person_id)
    .fetch_optional(c)
    .await?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaperRow {
    pub application_id: i64,
    pub received_at: i64,
    pub copies: i64,
    pub stamped: i64,
    pub late: i64,
    pub recorded_by: String,
    pub recorded_at: i64,
}

pub struct Paper<'a> {
    pub application_id: i64,
    pub received_at: i64,
    pub copies: i64,
    pub stamped: bool,
    pub late: bool,
    pub recorded_by: &'a str,
    pub now: i64,
}

pub async fn record_paper(c: &mut AnyConnection, p: &Paper<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO paper_copies (application_id, received_at, copies, stamped, late, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (application_id) DO UPDATE SET received_at = excluded.received_at, copies = excluded.copies,
            stamped = excluded.stamped, late = excluded.late, recorded_by = excluded.recorded_by,
            recorded_at = excluded.recorded_at",
    )
    .bind(p.application_id)
    .bind(p.received_at)
    .bind(p.copies)
    .bind(i64::from(p.stamped))
    .bind(i64::from(p.late))
    .bind(p.recorded_by)
    .bind(p.now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn paper(c: &mut AnyConnection, application_id: i64) -> Result<Option<PaperRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM paper_copies WHERE application_id = $1")
            .bind(application_id)
            .fetch_optional(c)
            .await?,
    )
}

/// The stored forms of one application, for the personal-data upgrade.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredFormsRow {
    pub id: i64,
    pub form_spec_id: i64,
    pub data_json: String,
    pub submitted_json: Option<String>,
}

/// Up to `limit` applications after id `after`, in id order.
pub async fn forms_after(
    c: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredFormsRow>> {
    Ok(sqlx::query_as(
        "SELECT id, form_spec_id, data_json, submitted_json FROM applications
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Replaces both stored forms of an application with their sealed form,
/// compare-and-set on what was read: false when the applicant saved (or
/// submitted) in between, and the row is left to the next pass. Neither
/// `saved_at` nor `updated_at` moves: nothing a reader sees changed.
pub async fn reseal_forms(
    c: &mut AnyConnection,
    read: &StoredFormsRow,
    data_json: &str,
    submitted_json: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE applications SET data_json = $1, submitted_json = $2
         WHERE id = $3 AND data_json = $4 AND COALESCE(submitted_json, '') = $5",
    )
    .bind(data_json)
    .bind(submitted_json)
    .bind(read.id)
    .bind(&read.data_json)
    .bind(read.submitted_json.as_deref().unwrap_or(""))
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives application `id` of `unit_id` to another person (变更经办人);
/// false when it is not the unit's.
pub async fn set_person(
    c: &mut AnyConnection,
    id: i64,
    unit_id: i64,
    person_id: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE applications SET person_id = $1, updated_at = $2 WHERE id = $3 AND unit_id = $4",
    )
    .bind(person_id)
    .bind(now)
    .bind(id)
    .bind(unit_id)
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}
