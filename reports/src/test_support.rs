//! Hand-built reports shared by the unit tests.

use plotters::style::RGBColor;

use crate::collective::*;
use crate::summary::*;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Decodes a PNG into (width, height, RGB bytes), asserting it is 8-bit RGB.
pub(crate) fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    assert!(png_bytes.starts_with(PNG_SIGNATURE));
    let mut reader = png::Decoder::new(png_bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Pixels of exactly `color`.
pub(crate) fn pixels_of(rgb: &[u8], color: RGBColor) -> usize {
    rgb.chunks_exact(3).filter(|p| p == &[color.0, color.1, color.2]).count()
}

/// The contents of the SVG's `<text>` elements, trimmed.
pub(crate) fn svg_texts(svg: &str) -> Vec<&str> {
    svg.split("<text").skip(1).map(|t| t.split_once('>').unwrap().1.split("</text>").next().unwrap().trim()).collect()
}

/// Mean and population variance of a staleness histogram [clocks, clocks²]; (0, 0) when it is empty.
pub(crate) fn histogram_moments(histogram: &[u64]) -> (f64, f64) {
    let n: u64 = histogram.iter().sum();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = histogram.iter().enumerate().map(|(k, &c)| k as f64 * c as f64).sum::<f64>() / n as f64;
    let var = histogram.iter().enumerate().map(|(k, &c)| c as f64 * (k as f64 - mean).powi(2)).sum::<f64>() / n as f64;
    (mean, var)
}

/// Sets a variant's reads, staleness histogram, mean, variance and maximum consistently.
pub(crate) fn set_staleness(s: &mut VariantSummary, histogram: &[u64]) {
    let (mean, var) = histogram_moments(histogram);
    s.reads = histogram.iter().sum();
    s.staleness_mean = mean;
    s.staleness_variance = var;
    s.staleness_max = histogram.iter().rposition(|&c| c > 0).unwrap_or(0) as u64;
    s.staleness_histogram = histogram.to_vec();
}

fn summary(final_objective: f64, time_to_target_s: Option<f64>, histogram: &[u64]) -> VariantSummary {
    let mut s = VariantSummary {
        final_objective,
        sim_time_s: 2.0,
        clocks: 3,
        workers: 2,
        bytes_sent: 123_456,
        wan_bytes: 0,
        wan_cost_usd: 0.0,
        compute_s: 2.0,
        communication_s: 1.0,
        waiting_s: 0.5,
        reads: 0,
        staleness_mean: 0.0,
        staleness_variance: 0.0,
        staleness_max: 0,
        staleness_histogram: Vec::new(),
        staleness_violations: 0,
        rows_pushed: 0,
        time_to_target_s,
        events: 999,
        asp: None,
        strads: None,
    };
    set_staleness(&mut s, histogram);
    s
}

fn records(step_s: f64) -> Vec<WorkerClockRecord> {
    let mut out = Vec::new();
    for worker in 0..2u32 {
        for clock in 1..=2u64 {
            out.push(WorkerClockRecord {
                worker,
                clock,
                sim_time_s: clock as f64 * step_s,
                objective: (clock == 1).then_some(0.6),
                bytes: 1000,
                compute_s: 0.25,
                communication_s: 0.125,
                wait_s: 0.125,
            });
        }
    }
    out
}

/// Two variants (`bsp`, `ssp-2`), two workers, four convergence points each. `bsp` read 12 times at staleness
/// 0; `ssp-2` read 12 times at staleness 0, 1, 2 (3, 6, 3 reads: mean 1, variance 0.5). No WAN traffic, no ASP.
pub(crate) fn small_report() -> RunReport {
    let curve = |times: [f64; 4], objs: [f64; 4]| -> Vec<ConvergencePoint> {
        (0..4).map(|i| ConvergencePoint { clock: i as u64, sim_time_s: times[i], objective: objs[i] }).collect()
    };
    RunReport {
        scenario: "quickstart".into(),
        seed: 42,
        objective_name: "logistic loss".into(),
        target_objective: Some(0.35),
        variants: vec![
            VariantReport {
                name: "bsp".into(),
                summary: summary(0.31, Some(1.4), &[12]),
                convergence: curve([0.0, 0.5, 1.0, 1.5], [std::f64::consts::LN_2, 0.6, 0.45, 0.31]),
                worker_clocks: records(0.5),
                rounds: Vec::new(),
                faults: None,
            },
            VariantReport {
                name: "ssp-2".into(),
                summary: summary(0.37, None, &[3, 6, 3]),
                convergence: curve([0.0, 0.4, 0.8, 1.2], [std::f64::consts::LN_2, 0.62, 0.5, 0.37]),
                worker_clocks: records(0.4),
                rounds: Vec::new(),
                faults: None,
            },
        ],
    }
}

fn point(bytes: u64, time_s: f64, algbw_bytes_per_s: f64, busbw_bytes_per_s: f64, flows: u64) -> CollectivePoint {
    CollectivePoint { bytes, time_s, algbw_bytes_per_s, busbw_bytes_per_s, flows, phases: Vec::new() }
}

/// All-reduce over 4 hosts of a star (`h0`..`h3` around switch `sw`): a ring with a link-load matrix and a
/// tree without, each at 1 KiB, 1 MiB and 4 GiB.
pub(crate) fn small_collective_report() -> CollectiveReport {
    // Star: h_i → sw carries 1000 bytes each; sw → h_i carries 1000, 1500, 2000, 3000.
    let mut bytes = vec![vec![0u64; 5]; 5];
    for row in &mut bytes[..4] {
        row[4] = 1000;
    }
    bytes[4][..4].copy_from_slice(&[1000, 1500, 2000, 3000]);
    let nodes = ["h0", "h1", "h2", "h3", "sw"].map(String::from).to_vec();
    CollectiveReport {
        scenario: "allreduce_sweep".into(),
        seed: 7,
        collective: "all-reduce".into(),
        variants: vec![
            CollectiveVariant {
                name: "ring @ 4-host star".into(),
                algorithm: "ring".into(),
                platform: "4-host star".into(),
                hosts: 4,
                points: vec![
                    point(1024, 0.00004, 25_600_000.0, 38_400_000.0, 24),
                    point(1 << 20, 0.0005, 2_097_152_000.0, 3_145_728_000.0, 24),
                    point(1 << 32, 0.5, 8_589_934_592.0, 12_884_901_888.0, 24),
                ],
                link_load: Some(LinkLoad { nodes, bytes }),
            },
            CollectiveVariant {
                name: "tree @ 4-host star".into(),
                algorithm: "tree".into(),
                platform: "4-host star".into(),
                hosts: 4,
                points: vec![
                    point(1024, 0.00002, 51_200_000.0, 76_800_000.0, 12),
                    point(1 << 20, 0.001, 1_048_576_000.0, 1_572_864_000.0, 12),
                    point(1 << 32, 1.0, 4_294_967_296.0, 6_442_450_944.0, 12),
                ],
                link_load: None,
            },
        ],
    }
}
