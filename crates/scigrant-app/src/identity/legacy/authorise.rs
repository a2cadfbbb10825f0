//! The unit lookup's 第四种, after 实名认证: the predecessor's unit login
//! (a 统一社会信用代码) was a person's account, imported here as a person
//! whose login name is that code. "认证完成后，该账号自动获得了该企业的…业务
//! 系统授权": once the person passes 实名认证 (by the provider or by a
//! reviewer), the unit holding the code authorises them (用户授权管理) for
//! its business services, for the longest term a unit may give. The unit
//! sees the authorisation in its list and may change or revoke it. When no
//! unit here holds the code yet, nothing is granted: the unit registers and
//! authorises the person itself.

use scigrant_domain::identity::delegation::{Service, Services, longest_end};
use scigrant_store::AnyConnection;
use scigrant_store::identity::{accounts, legacy};

use crate::identity::delegation::record_grant;
use crate::{Actor, App, AppError};

/// What the automatic authorisation covers: the business services
/// (申报 and 项目管理), not the unit's own user management.
pub const SERVICES: [Service; 2] = [Service::Apply, Service::Projects];

/// Why the audit record's actor is the system.
const WHY: &str = "火炬中心账号迁移第四种：实名认证后自动授权";

/// Inside the transaction that records a person's 实名认证 as passed.
/// Side effects when the person is such an account and the unit exists:
/// the authorisation, audit `delegation.grant` by 系统, the person told.
/// A live authorisation already there is left as it is.
pub(crate) async fn on_verified(
    c: &mut AnyConnection,
    app: &App,
    person_id: i64,
) -> Result<(), AppError> {
    let Some(unit) = legacy::unit_of_fourth_case(c, person_id).await? else {
        return Ok(());
    };
    let p = accounts::person(c, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ends_at = longest_end(app.now());
    let services = Services::of(&SERVICES);
    let system = Actor::system();
    record_grant(c, app, &system, unit.id, &p, services, ends_at, Some(WHY)).await?;
    Ok(())
}
