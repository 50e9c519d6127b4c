//! Measures rendering the stage 1 response letter (the shipped template, a realistic case:
//! three points, a remedy, two outstanding actions) to HTML and plain text, and then to the PDF
//! that is posted (normal and large print), on one core: time per letter and letters per second.
//! Rendering is what a letter costs beyond its one INSERT.
//!
//! Run with `cargo run --release --example bench_letters`.

use std::hint::black_box;
use std::time::Instant;

use council_feedback::config::LetterSettings;
use council_feedback::domain::letter::Language;
use council_feedback::letters::context::{Action, Common, Details, Ombudsman, Point, Stage2Route};
use council_feedback::letters::pdf::{self, PdfLetter};
use council_feedback::letters::{markup, Templates};

fn main() {
    let templates = match Templates::load(&LetterSettings::defaults()) {
        Ok(templates) => templates,
        Err(error) => {
            eprintln!("cannot load the templates: {error}");
            return;
        }
    };
    let common = Common {
        reference: "CMP-2026-000042".into(),
        customer_name: "Alex Example".into(),
        service: "Waste Care".into(),
        received_on: "2 November 2026".into(),
        date: "16 November 2026".into(),
        ombudsman: Ombudsman {
            body: "lgsco".into(),
            name: "Local Government and Social Care Ombudsman".into(),
            phone: "0300 061 0614".into(),
            website: "https://www.lgo.org.uk".into(),
        },
        large_print: false,
    };
    let point = |point: &str, upheld: bool, reasons: &str| Point {
        point: point.into(),
        upheld,
        reasons: reasons.into(),
    };
    let action = |action: &str, due: &str| Action {
        action: action.into(),
        due: due.into(),
    };
    let details = Details::Response {
        stage: 1,
        outcome: "partially_upheld".into(),
        understanding:
            "Your green bin at 14 Example Road was not collected on 2, 9 and 16 November \
                        although it was out by 7am, and your two online reports were not answered."
                .into(),
        points: vec![
            point(
                "The bin was missed three weeks running",
                true,
                "The crew's vehicle tracking shows the lorry did not stop at your address on two \
                 of the three days.",
            ),
            point(
                "Online reports were ignored",
                false,
                "Both reports were logged and passed to the crew the same day.",
            ),
            point(
                "The crew were rude on the phone",
                false,
                "We listened to the call recording and found the officer polite throughout.",
            ),
        ],
        apology: Some("We are sorry that your bin was missed twice.".into()),
        remedies: vec![action("Collect your green bin", "18 November 2026")],
        outstanding_actions: vec![
            action(
                "Brief the crew on collecting from Example Road",
                "20 November 2026",
            ),
            action(
                "Check collections from Example Road every week",
                "18 December 2026",
            ),
        ],
        stage_2: Some(Stage2Route { request_by: None }),
        letter: None,
    };

    // Warm up, then time.
    for _ in 0..200 {
        let _ = black_box(templates.render(&common, &details, Language::English));
    }
    let letters = 20_000u32;
    let started = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..letters {
        match templates.render(black_box(&common), black_box(&details), Language::English) {
            Ok(letter) => bytes += letter.html.len() + letter.text.len(),
            Err(error) => {
                eprintln!("render failed: {error}");
                return;
            }
        }
    }
    let elapsed = started.elapsed();
    let per_letter = elapsed / letters;
    println!(
        "stage 1 response, HTML + plain text, one core: {letters} letters in {:.3} s, \
         {:.1} µs per letter, {:.0} letters/s ({} bytes each)",
        elapsed.as_secs_f64(),
        per_letter.as_secs_f64() * 1e6,
        f64::from(letters) / elapsed.as_secs_f64(),
        bytes / letters as usize
    );

    // The PDF, laid out from the letter's markup as the API does.
    let letter = match templates.render(&common, &details, Language::English) {
        Ok(letter) => letter,
        Err(error) => {
            eprintln!("render failed: {error}");
            return;
        }
    };
    let address: Vec<String> = ["Alex Example", "14 Example Road", "Exampleton", "EX1 2AB"]
        .map(String::from)
        .to_vec();
    let sender: Vec<String> = ["Example Borough Council", "Town Hall", "Exampleton EX1 1AA"]
        .map(String::from)
        .to_vec();
    for large_print in [false, true] {
        let render = || {
            let blocks = markup::parse(&letter.body);
            pdf::render(&PdfLetter {
                subject: &letter.subject,
                blocks: &blocks,
                language: letter.language,
                large_print,
                address: &address,
                sender: &sender,
            })
        };
        // Warm up (the fonts are parsed on first use), then time.
        for _ in 0..50 {
            let _ = black_box(render());
        }
        let letters = 2_000u32;
        let started = Instant::now();
        let mut bytes = 0usize;
        for _ in 0..letters {
            match black_box(render()) {
                Ok(pdf) => bytes += pdf.len(),
                Err(error) => {
                    eprintln!("PDF failed: {error}");
                    return;
                }
            }
        }
        let elapsed = started.elapsed();
        println!(
            "stage 1 response, PDF{}, one core: {letters} letters in {:.3} s, {:.1} µs per \
             letter, {:.0} letters/s ({} bytes each)",
            if large_print { " in large print" } else { "" },
            elapsed.as_secs_f64(),
            (elapsed / letters).as_secs_f64() * 1e6,
            f64::from(letters) / elapsed.as_secs_f64(),
            bytes / letters as usize
        );
    }
}
