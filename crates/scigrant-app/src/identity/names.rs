//! How staff screens name an account: its name and its login, masked where
//! the login is personal data (a person's phone number), so 在线用户, the
//! locked-account list and 操作日志 never identify people by a bare number.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::identity::accounts;

use crate::{App, AppError};

/// An account as staff screens name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountName {
    pub name: String,
    /// 统一社会信用代码 for a unit, the login name for staff, the masked
    /// mobile number for a person.
    pub login: String,
}

/// The name of account `id` of `kind`, or `None` when it no longer exists.
pub(crate) async fn account_name(
    c: &mut AnyConnection,
    app: &App,
    kind: AccountKind,
    id: i64,
) -> Result<Option<AccountName>, AppError> {
    Ok(match kind {
        AccountKind::Person => match accounts::person(c, id).await? {
            Some(p) => Some(AccountName {
                login: mask_phone(&p.phone(&app.pii)?),
                name: p.name,
            }),
            None => None,
        },
        AccountKind::Unit => accounts::unit(c, id).await?.map(|u| AccountName {
            name: u.name,
            login: u.uscc,
        }),
        AccountKind::Staff => accounts::staff(c, id).await?.map(|s| AccountName {
            name: s.name,
            login: s.login,
        }),
    })
}
