//! The README and .env.example must name every setting the service reads.

use council_feedback::config::VARIABLES;
use council_feedback::domain::policy::SETTINGS;

#[test]
fn readme_and_env_example_name_every_variable() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let example = std::fs::read_to_string(".env.example").expect(".env.example");
    for (variable, _) in VARIABLES.iter().chain(SETTINGS.iter()) {
        assert!(
            readme.contains(&format!("`{variable}`")),
            "README.md does not document {variable}"
        );
        assert!(
            example.contains(&format!("#{variable}=")),
            ".env.example does not list {variable}"
        );
    }
}
