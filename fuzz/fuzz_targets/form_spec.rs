//! The form-definition import (`FormSpec::from_json`, what staff upload for a call) on
//! arbitrary text. No panic; an accepted definition writes back to JSON that reads as
//! the same definition, and — as `FormSpec::check` promises — cannot make the form
//! engine misbehave: validation, sums, digest and posted-form reading run on it with
//! empty data, the 附件4 sample and the sample's posted pairs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scigrant_domain::grants::form::{
    self, FormData, FormSpec, ValidationContext, computed, counters, data_from_pairs, digest_input,
    pairs_of, samples, validate,
};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(spec) = FormSpec::from_json(&s) else {
        return;
    };
    let json = spec.to_json_pretty();
    assert_eq!(
        FormSpec::from_json(&json).as_ref(),
        Ok(&spec),
        "written back as {json}"
    );

    let sample = samples::sample_fj4();
    for (data, ctx) in [
        (FormData::new(), ValidationContext::default()),
        (sample.clone(), samples::context_fj4()),
    ] {
        let _ = validate(&spec, &data, &ctx);
        let _ = computed(&spec, &data);
        let _ = digest_input(&spec, &data);
    }
    let posted = data_from_pairs(&spec, &pairs_of(&sample));
    let _ = validate(&spec, &posted, &samples::context_fj4());
    assert_eq!(data_from_pairs(&spec, &pairs_of(&posted)), posted);
    let _ = counters(&spec);
    let _ = form::fixed_by_call(&spec, "KJFWT2023-01");
});
