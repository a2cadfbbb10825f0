//! Ids of the main entities, one type each, so a person's id cannot be
//! passed where a unit's or a call's belongs. They are the database's row
//! ids; `Display` prints the number (for URLs and pages) and serde reads and
//! writes the bare number (for paths, forms and JSON).

use serde::{Deserialize, Serialize};

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

entity_id!(
    /// An article of the portal (门户文章).
    ArticleId
);
entity_id!(
    /// A unit account (单位).
    UnitId
);
entity_id!(
    /// A natural person's account (个人用户).
    PersonId
);
entity_id!(
    /// A staff account (后台).
    StaffId
);
entity_id!(
    /// A program (计划).
    ProgramId
);
entity_id!(
    /// A call: one category of a program that applications answer (项目类别).
    CallId
);
entity_id!(
    /// An application (申报书).
    ApplicationId
);
entity_id!(
    /// A stored document.
    FileId
);
entity_id!(
    /// An expert of the expert library (专家库); one per person.
    ExpertId
);
entity_id!(
    /// A review plan: one call's round of review (函评 or 会评).
    ReviewPlanId
);
entity_id!(
    /// One expert assigned to one application within a review plan.
    AssignmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_as_bare_numbers() {
        assert_eq!(CallId(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&UnitId(7)).ok().as_deref(), Some("7"));
        let p: Option<PersonId> = serde_json::from_str("9").ok();
        assert_eq!(p, Some(PersonId(9)));
    }
}
