//! Cover fields the call fixes. An application answers one call, so its
//! 项目编号 is the call's code, its 项目子类 is the one the form pairs with
//! that code (a `correspond` rule), and a cover choice with a single option
//! (项目类别) has that option. The applicant does not choose them: the
//! server writes them into the application when it starts and again when
//! it is submitted, so the frozen, printed cover always matches the call.

use super::{FieldKind, FormData, FormSpec, Rule, Value};

/// The cover code field every call fills.
pub const CODE_KEY: &str = "project_code";

/// (key, value) of every cover field the call with `code` fixes.
pub fn fixed_by_call(spec: &FormSpec, code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if spec.cover.iter().any(|f| f.key == CODE_KEY) {
        out.push((CODE_KEY.to_string(), code.to_string()));
    }
    for rule in &spec.rules {
        if let Rule::Correspond {
            first,
            second,
            pairs,
            ..
        } = rule
            && first == CODE_KEY
            && let Some([_, paired]) = pairs.iter().find(|[c, _]| c == code)
        {
            out.push((second.clone(), paired.clone()));
        }
    }
    for f in &spec.cover {
        if let FieldKind::Choice { options } = &f.kind
            && let [only] = options.as_slice()
            && !out.iter().any(|(k, _)| *k == f.key)
        {
            out.push((f.key.clone(), only.clone()));
        }
    }
    out
}

impl FormSpec {
    /// The call codes a form serves, when its 项目编号 is a choice.
    pub fn code_options(&self) -> Option<&[String]> {
        self.cover
            .iter()
            .find(|f| f.key == CODE_KEY)
            .and_then(|f| match &f.kind {
                FieldKind::Choice { options } => Some(options.as_slice()),
                _ => None,
            })
    }
}

/// Writes the fields the call fixes into `data`, over whatever was typed.
pub fn pin(spec: &FormSpec, code: &str, data: &mut FormData) {
    for (key, value) in fixed_by_call(spec, code) {
        data.insert(key, Value::Text(value));
    }
}

#[cfg(test)]
mod tests {
    use super::super::builtin;
    use super::*;

    #[test]
    fn the_call_fixes_code_subcategory_and_single_choice_category() {
        let fj4 = builtin("kczg2023-fj4").expect("附件4");
        assert_eq!(
            fixed_by_call(&fj4, "KJFWT2023-03"),
            vec![
                ("project_code".to_string(), "KJFWT2023-03".to_string()),
                (
                    "project_subcategory".to_string(),
                    "专业科技服务团".to_string()
                ),
                (
                    "project_category".to_string(),
                    "“科创中国”科技服务团示范项目".to_string()
                ),
            ]
        );
        let mut typed = FormData::new();
        typed.insert("project_code".into(), Value::Text("KJFWT2023-01".into()));
        typed.insert(
            "project_subcategory".into(),
            Value::Text("产业科技服务团".into()),
        );
        pin(&fj4, "KJFWT2023-03", &mut typed);
        assert_eq!(
            typed.get("project_code"),
            Some(&Value::Text("KJFWT2023-03".into()))
        );
        assert_eq!(
            typed.get("project_subcategory"),
            Some(&Value::Text("专业科技服务团".into()))
        );
    }
}
