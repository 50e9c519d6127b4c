//! Charts for the published report: horizontal bar charts drawn as SVG by
//! plotters, with a title and a text description for screen readers, and
//! text (not paths) so they print sharply and can be read aloud.

use plotters::prelude::*;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    /// Used for the SVG's element ids; unique on the page.
    pub id: &'a str,
    pub title: &'a str,
    /// What the chart shows, in words: its text alternative.
    pub description: String,
    /// What the bars measure, e.g. "complaints" or "% on time".
    pub unit: &'a str,
    pub bars: Vec<Bar>,
    /// A target line (e.g. 100% on time), if any.
    pub target: Option<f64>,
}

const BAR: RGBColor = RGBColor(0x1d, 0x70, 0xb8);
const TARGET: RGBColor = RGBColor(0xd4, 0x35, 0x1c);

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an `<svg>` element; an empty string if it could not be drawn.
pub fn svg(chart: &BarChart<'_>) -> String {
    let mut out = String::new();
    let height = 70 + 26 * chart.bars.len().max(1) as u32;
    let drawn = draw(chart, &mut out, (760, height));
    if drawn.is_err() {
        return String::new();
    }
    // Name the chart for assistive technology: a role, a title and a description.
    let (Some(start), true) = (out.find("<svg"), true) else {
        return String::new();
    };
    let Some(end) = out[start..].find('>').map(|e| start + e) else {
        return String::new();
    };
    let id = chart.id;
    format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        out[start..end].trim_end_matches('/'),
        escape(chart.title),
        escape(&chart.description),
        &out[end + 1..]
    )
}

fn draw(
    chart: &BarChart<'_>,
    out: &mut String,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = chart.bars.len().max(1);
    let max = chart
        .bars
        .iter()
        .map(|b| b.value)
        .chain(chart.target)
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let labels: Vec<String> = chart.bars.iter().map(|b| b.label.clone()).collect();
    let mut plot = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(200)
        .build_cartesian_2d(0.0..max, (0..n).into_segmented())?;
    plot.configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_desc(chart.unit)
        .y_labels(n)
        // The first bar at the top.
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) if *i < n => {
                labels.get(n - 1 - i).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_label_formatter(&|x| format_value(x.round()))
        .label_style(("sans-serif", 13))
        .draw()?;
    let row = |i: usize| n.saturating_sub(i + 1);
    plot.draw_series(chart.bars.iter().enumerate().map(|(i, bar)| {
        Rectangle::new(
            [
                (0.0, SegmentValue::Exact(row(i))),
                (bar.value, SegmentValue::Exact(row(i) + 1)),
            ],
            BAR.filled(),
        )
    }))?;
    plot.draw_series(chart.bars.iter().enumerate().map(|(i, bar)| {
        Text::new(
            format!(" {}", format_value(bar.value)),
            (bar.value, SegmentValue::CenterOf(row(i))),
            ("sans-serif", 12),
        )
    }))?;
    if let Some(target) = chart.target {
        plot.draw_series(std::iter::once(PathElement::new(
            vec![
                (target, SegmentValue::Exact(0)),
                (target, SegmentValue::Exact(n)),
            ],
            TARGET.stroke_width(2),
        )))?;
    }
    root.present()?;
    Ok(())
}

/// A bar's value as printed: whole numbers without decimals.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_with_a_title_a_description_and_text_labels() {
        let chart = BarChart {
            id: "by-month",
            title: "Complaints received by month",
            description: "January 12, February 7".into(),
            unit: "complaints",
            bars: vec![
                Bar {
                    label: "2026-01".into(),
                    value: 12.0,
                },
                Bar {
                    label: "2026-02".into(),
                    value: 7.0,
                },
            ],
            target: None,
        };
        let svg = svg(&chart);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"by-month-title\">Complaints received by month</title>"));
        assert!(svg.contains("<desc id=\"by-month-desc\">January 12, February 7</desc>"));
        assert!(svg.contains("2026-02"), "labels are text");
        assert!(!svg.contains("http://") || svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }

    #[test]
    fn titles_are_escaped() {
        let chart = BarChart {
            id: "c",
            title: "A & B <c>",
            description: String::new(),
            unit: "",
            bars: vec![],
            target: Some(100.0),
        };
        assert!(svg(&chart).contains("A &amp; B &lt;c&gt;"));
    }
}
