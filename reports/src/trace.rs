//! Timeline traces of a simulated run in the Chrome trace-event JSON format, for Perfetto
//! (<https://ui.perfetto.dev>) and `chrome://tracing`.
//!
//! The caller hands over named tracks (one per device, e.g. a GPU) grouped into processes (e.g. the node
//! holding the GPU) and the spans that happened on them; [`trace_json`] writes the "JSON Object Format":
//!
//! ```text
//! {"traceEvents":[
//! {"name":"process_name","ph":"M","pid":1,"tid":4,"args":{"name":"node0"}},
//! {"name":"thread_name","ph":"M","pid":1,"tid":4,"args":{"name":"gpu3 dp1 pp0 tp1"}},
//! {"name":"fwd mb0","cat":"compute","ph":"X","ts":0.5,"dur":123.456789,"pid":1,"tid":4,"args":{"layer":"0-11"}},
//! …
//! ],"displayTimeUnit":"ns"}
//! ```
//!
//! **Time:** `ts` and `dur` are microseconds, as the format prescribes, written as the *exact* decimal value of
//! the integer picoseconds divided by 10⁶ (at most six decimals, no trailing zeros: 1 ps → `0.000001`,
//! 123 456 789 ps → `123.456789`, 5 000 000 ps → `5`), not as a rounded `f64`. Readers parse them as doubles;
//! Perfetto keeps nanoseconds, so sub-nanosecond detail is in the file but not on screen. `displayTimeUnit`
//! only selects how the viewer prints times (Perfetto ignores it).
//!
//! **Ids:** Perfetto treats pid 0 and tid 0 specially (Linux's idle task), so ids start at 1: a process's pid
//! is 1 + the index of the first track naming it, a track's tid is 1 + its id. Tids are unique over the whole
//! trace, as Perfetto wants them.
//!
//! **Nesting:** a track is drawn as a stack of slices; spans on one track must nest or be disjoint (Perfetto
//! does not draw partial overlaps correctly), so concurrent activities of one device belong on separate
//! tracks. Spans are written sorted by (track, start, *longest first*, name, category, args): an enclosing
//! span that starts with its first child comes before it, which both Perfetto and `chrome://tracing` need to
//! nest them (they keep file order among events of equal `ts`).
//!
//! # References
//! "Trace Event Format", Google, <https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU>.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// What a span was doing; written as the event's `cat` (category), which viewers can filter on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpanCategory {
    /// Kernels: forward, backward, recomputation.
    Compute,
    /// A collective (all-reduce, all-gather, reduce-scatter, …) the device takes part in.
    Collective,
    /// A point-to-point transfer, e.g. activations to the next pipeline stage.
    Send,
    /// Idle, waiting on a dependency (a peer's data, the pipeline bubble).
    Wait,
    /// The optimizer step.
    Optimizer,
}

impl SpanCategory {
    /// The category as written to the trace: `"compute"`, `"collective"`, `"send"`, `"wait"` or `"optimizer"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanCategory::Compute => "compute",
            SpanCategory::Collective => "collective",
            SpanCategory::Send => "send",
            SpanCategory::Wait => "wait",
            SpanCategory::Optimizer => "optimizer",
        }
    }
}

/// A named timeline (a Perfetto "thread"), e.g. one GPU, in a named group (a Perfetto "process"), e.g. its node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceTrack {
    /// Track id, referenced by [`TraceSpan::track`]; unique among the tracks. Written as tid `id + 1`.
    pub id: u32,
    /// Group the track is shown under, e.g. `"node3"`; tracks naming the same group share a pid.
    pub process: String,
    /// Track label, e.g. `"gpu5 dp1 pp2 tp5"`.
    pub name: String,
}

/// One activity on one track, over simulated time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSpan {
    /// Id of the [`TraceTrack`] the span belongs to.
    pub track: u32,
    /// Label shown on the slice, e.g. `"fwd mb3"`.
    pub name: String,
    /// What the span was doing.
    pub category: SpanCategory,
    /// Simulated start time [ps].
    pub start_ps: u64,
    /// Simulated end time [ps]; at least `start_ps` (equal for an instantaneous span).
    pub end_ps: u64,
    /// Details shown when the slice is selected, as (key, value) pairs, written in this order (keys should be
    /// distinct: readers keep one value per key).
    pub args: Vec<(String, String)>,
}

/// Process that spans on undeclared tracks are shown under.
const UNDECLARED_PROCESS: &str = "undeclared tracks";

/// Renders a trace-event JSON document (see the module docs for the format) that Perfetto and
/// `chrome://tracing` open: per process a `process_name` and a `process_sort_index` metadata event, per track a
/// `thread_name` and a `thread_sort_index` (both in the order of `tracks`), then one complete event (`"ph":"X"`)
/// per span, sorted by (track, start, end descending, name, category, args). A span whose track is not in
/// `tracks` is still written, on a track named `"track <id>"` in a trailing process named `"undeclared
/// tracks"`.
///
/// The output is a pure function of the input's content: permuting `spans` does not change a byte.
///
/// # Returns
/// The JSON document, one event per line, ending in a newline.
///
/// # Panics
/// If two tracks share an id, or a span ends before it starts (both are bugs of the caller).
///
/// # Complexity
/// Time **O(s log s + t log t)** for `s` spans and `t` tracks.
pub fn trace_json(tracks: &[TraceTrack], spans: &[TraceSpan]) -> String {
    // Processes in order of first appearance; pid = 1 + index.
    let mut processes: Vec<(&str, u64)> = Vec::new(); // (name, tid of its first track)
    let mut pid_of_process: BTreeMap<&str, u64> = BTreeMap::new();
    let mut pid_of_track: BTreeMap<u32, u64> = BTreeMap::new();
    for t in tracks {
        let pid = *pid_of_process.entry(t.process.as_str()).or_insert_with(|| {
            processes.push((t.process.as_str(), tid(t.id)));
            processes.len() as u64
        });
        let first = pid_of_track.insert(t.id, pid).is_none();
        assert!(first, "trace track id {} is declared twice", t.id);
    }
    let undeclared: BTreeSet<u32> = spans.iter().map(|s| s.track).filter(|id| !pid_of_track.contains_key(id)).collect();
    let undeclared_pid = processes.len() as u64 + 1;

    let mut events: Vec<String> = Vec::with_capacity(2 * (processes.len() + tracks.len() + 1) + spans.len());
    for (i, &(name, first_tid)) in processes.iter().enumerate() {
        events.extend(process_metadata(i as u64 + 1, first_tid, name));
    }
    for (i, t) in tracks.iter().enumerate() {
        events.extend(thread_metadata(pid_of_track[&t.id], tid(t.id), &t.name, i as u64));
    }
    if let Some(&first) = undeclared.first() {
        events.extend(process_metadata(undeclared_pid, tid(first), UNDECLARED_PROCESS));
        for (i, &id) in undeclared.iter().enumerate() {
            events.extend(thread_metadata(undeclared_pid, tid(id), &format!("track {id}"), i as u64));
        }
    }

    let mut sorted: Vec<&TraceSpan> = spans.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |s: &'_ TraceSpan| (s.track, s.start_ps, Reverse(s.end_ps));
        key(a).cmp(&key(b)).then_with(|| (&a.name, a.category, &a.args).cmp(&(&b.name, b.category, &b.args)))
    });
    for s in sorted {
        assert!(
            s.end_ps >= s.start_ps,
            "trace span {:?} on track {} ends at {} ps, before its start at {} ps",
            s.name,
            s.track,
            s.end_ps,
            s.start_ps
        );
        let pid = pid_of_track.get(&s.track).copied().unwrap_or(undeclared_pid);
        let mut e = format!(
            "{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":{pid},\"tid\":{},\"args\":{{",
            json_str(&s.name),
            s.category.as_str(),
            micros(s.start_ps),
            micros(s.end_ps - s.start_ps),
            tid(s.track),
        );
        for (k, (key, value)) in s.args.iter().enumerate() {
            let sep = if k == 0 { "" } else { "," };
            // Rationale: writing to a String cannot fail.
            write!(e, "{sep}{}:{}", json_str(key), json_str(value)).expect("writing to a String cannot fail");
        }
        e.push_str("}}");
        events.push(e);
    }

    let mut out = String::from("{\"traceEvents\":[\n");
    for (i, e) in events.iter().enumerate() {
        out.push_str(e);
        out.push_str(if i + 1 < events.len() { ",\n" } else { "\n" });
    }
    out.push_str("],\"displayTimeUnit\":\"ns\"}\n");
    out
}

/// The tid of track `id`: `id + 1` (tid 0 is special in Perfetto).
fn tid(id: u32) -> u64 {
    u64::from(id) + 1
}

/// `process_name` and `process_sort_index` metadata events of process `pid` (sorted by pid).
fn process_metadata(pid: u64, tid: u64, name: &str) -> [String; 2] {
    [
        metadata("process_name", pid, tid, "name", &json_str(name)),
        metadata("process_sort_index", pid, tid, "sort_index", &(pid - 1).to_string()),
    ]
}

/// `thread_name` and `thread_sort_index` metadata events of track `tid` in process `pid`.
fn thread_metadata(pid: u64, tid: u64, name: &str, sort_index: u64) -> [String; 2] {
    [
        metadata("thread_name", pid, tid, "name", &json_str(name)),
        metadata("thread_sort_index", pid, tid, "sort_index", &sort_index.to_string()),
    ]
}

/// A metadata event (`"ph":"M"`) whose one argument `key` has the JSON value `value`.
fn metadata(event: &str, pid: u64, tid: u64, key: &str, value: &str) -> String {
    format!(r#"{{"name":"{event}","ph":"M","pid":{pid},"tid":{tid},"args":{{"{key}":{value}}}}}"#)
}

/// A JSON string literal (quoted and escaped).
fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// `ps` picoseconds as an exact decimal number of microseconds: at most six decimals, no trailing zeros, no
/// exponent (`1` → `"0.000001"`, `1_500_000` → `"1.5"`, `0` → `"0"`).
fn micros(ps: u64) -> String {
    let (whole, frac) = (ps / 1_000_000, ps % 1_000_000);
    if frac == 0 {
        whole.to_string()
    } else {
        let digits = format!("{frac:06}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn track(id: u32, process: &str, name: &str) -> TraceTrack {
        TraceTrack { id, process: process.into(), name: name.into() }
    }

    fn span(track: u32, name: &str, category: SpanCategory, start_ps: u64, end_ps: u64) -> TraceSpan {
        TraceSpan { track, name: name.into(), category, start_ps, end_ps, args: Vec::new() }
    }

    /// Two nodes: node0 holds tracks 0 and 2, node1 holds track 7.
    fn tracks() -> Vec<TraceTrack> {
        vec![track(0, "node0", "gpu0 dp0 pp0"), track(7, "node1", "gpu1 dp0 pp1"), track(2, "node0", "gpu2 dp1 pp0")]
    }

    fn spans() -> Vec<TraceSpan> {
        let mut send = span(7, "send act mb0", SpanCategory::Send, 123_456_789, 123_456_790);
        send.args = vec![("bytes".into(), "4096".into()), ("to".into(), "gpu \"2\"".into())];
        vec![
            span(7, "bwd mb0", SpanCategory::Compute, 2_000_000, 3_000_000),
            send,
            span(0, "fwd mb0", SpanCategory::Compute, 1, 1_000_001),
            // An enclosing span starting with its child: written before it.
            span(0, "iteration", SpanCategory::Wait, 1, 9_000_000),
            span(2, "all-reduce", SpanCategory::Collective, 0, 0),
            span(0, "adam", SpanCategory::Optimizer, 5_000_000, 6_000_000),
        ]
    }

    fn parse(json: &str) -> Vec<Value> {
        let doc: Value = serde_json::from_str(json).unwrap();
        assert_eq!(doc["displayTimeUnit"], "ns");
        doc["traceEvents"].as_array().unwrap().clone()
    }

    fn of_phase<'a>(events: &'a [Value], ph: &str) -> Vec<&'a Value> {
        events.iter().filter(|e| e["ph"] == ph).collect()
    }

    #[test]
    fn micros_are_exact_decimals() {
        assert_eq!(micros(0), "0");
        assert_eq!(micros(1), "0.000001");
        assert_eq!(micros(10), "0.00001");
        assert_eq!(micros(1_500_000), "1.5");
        assert_eq!(micros(5_000_000), "5");
        assert_eq!(micros(123_456_789), "123.456789");
        assert_eq!(micros(u64::MAX), "18446744073709.551615");
    }

    #[test]
    fn tracks_are_named_and_grouped_into_processes_by_first_appearance() {
        let events = parse(&trace_json(&tracks(), &spans()));
        let meta = of_phase(&events, "M");
        let named = |what: &str| -> Vec<(u64, u64, String)> {
            meta.iter()
                .filter(|e| e["name"] == what)
                .map(|e| {
                    let (pid, tid) = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
                    (pid, tid, e["args"]["name"].as_str().unwrap().to_string())
                })
                .collect()
        };
        assert_eq!(named("process_name"), vec![(1, 1, "node0".into()), (2, 8, "node1".into())]);
        assert_eq!(
            named("thread_name"),
            vec![(1, 1, "gpu0 dp0 pp0".into()), (2, 8, "gpu1 dp0 pp1".into()), (1, 3, "gpu2 dp1 pp0".into())]
        );
        let sort: Vec<(&Value, &Value)> = meta
            .iter()
            .filter(|e| e["name"] == "thread_sort_index")
            .map(|e| (&e["tid"], &e["args"]["sort_index"]))
            .collect();
        assert_eq!(sort, [(&json!(1), &json!(0)), (&json!(8), &json!(1)), (&json!(3), &json!(2))]);
        assert_eq!(meta.iter().filter(|e| e["name"] == "process_sort_index").count(), 2);
        // Metadata first, then the spans.
        let first_span = events.iter().position(|e| e["ph"] == "X").unwrap();
        assert!(events[first_span..].iter().all(|e| e["ph"] == "X"));
    }

    #[test]
    fn spans_are_complete_events_sorted_by_track_start_and_longest_first() {
        let events = parse(&trace_json(&tracks(), &spans()));
        let xs = of_phase(&events, "X");
        let order: Vec<(&str, u64)> =
            xs.iter().map(|e| (e["name"].as_str().unwrap(), e["tid"].as_u64().unwrap())).collect();
        assert_eq!(
            order,
            [("iteration", 1), ("fwd mb0", 1), ("adam", 1), ("all-reduce", 3), ("bwd mb0", 8), ("send act mb0", 8)]
        );
        let fwd = xs[1];
        assert_eq!(fwd["cat"], "compute");
        assert_eq!(fwd["pid"], 1);
        assert_eq!(fwd["args"], json!({}));
        let send = xs[5];
        assert_eq!(send["cat"], "send");
        assert_eq!(send["pid"], 2);
        assert_eq!(send["args"], json!({"bytes": "4096", "to": "gpu \"2\""}));
        let cats: Vec<&str> = xs.iter().map(|e| e["cat"].as_str().unwrap()).collect();
        assert_eq!(cats, ["wait", "compute", "optimizer", "collective", "compute", "send"]);
        // Argument order is kept.
        let json = trace_json(&tracks(), &spans());
        assert!(json.contains(r#""args":{"bytes":"4096","to":"gpu \"2\""}"#), "{json}");
    }

    #[test]
    fn timestamps_and_durations_are_exact_microseconds() {
        let json = trace_json(&tracks(), &spans());
        let events = parse(&json);
        let xs = of_phase(&events, "X");
        // 1 ps start, 1 000 000 ps long; 123 456 789 ps start, 1 ps long.
        assert_eq!(xs[1]["ts"].as_f64(), Some(0.000001));
        assert_eq!(xs[1]["dur"].as_f64(), Some(1.0));
        assert_eq!(xs[5]["ts"].as_f64(), Some(123.456789));
        assert_eq!(xs[5]["dur"].as_f64(), Some(0.000001));
        assert_eq!(xs[3]["ts"].as_f64(), Some(0.0));
        assert_eq!(xs[3]["dur"].as_f64(), Some(0.0));
        // The text is the exact decimal, not a rounded or exponent form.
        assert!(json.contains(r#""ts":0.000001,"dur":1,"#), "{json}");
        assert!(json.contains(r#""ts":123.456789,"dur":0.000001,"#), "{json}");
        assert!(!json.contains("e-"), "no exponents: {json}");
    }

    #[test]
    fn output_is_deterministic_and_independent_of_span_order() {
        let (t, s) = (tracks(), spans());
        let json = trace_json(&t, &s);
        assert_eq!(json, trace_json(&t, &s));
        let mut reversed = s.clone();
        reversed.reverse();
        assert_eq!(json, trace_json(&t, &reversed));
        // Same track, start, end and name: category then args break the tie.
        let mut twins = vec![span(0, "x", SpanCategory::Wait, 0, 5), span(0, "x", SpanCategory::Compute, 0, 5)];
        let a = trace_json(&t, &twins);
        twins.swap(0, 1);
        assert_eq!(a, trace_json(&t, &twins));
        assert!(a.find("\"compute\"").unwrap() < a.find("\"wait\"").unwrap());
        assert!(json.ends_with("],\"displayTimeUnit\":\"ns\"}\n"));
    }

    #[test]
    fn spans_on_undeclared_tracks_get_their_own_process() {
        let mut s = spans();
        s.push(span(42, "stray", SpanCategory::Wait, 10, 20));
        s.push(span(40, "stray", SpanCategory::Wait, 10, 20));
        let events = parse(&trace_json(&tracks(), &s));
        let process = events.iter().find(|e| e["name"] == "process_name" && e["pid"] == 3).unwrap();
        assert_eq!(process["args"]["name"], UNDECLARED_PROCESS);
        let threads: Vec<(&Value, &Value)> = events
            .iter()
            .filter(|e| e["name"] == "thread_name" && e["pid"] == 3)
            .map(|e| (&e["tid"], &e["args"]["name"]))
            .collect();
        assert_eq!(threads, [(&json!(41), &json!("track 40")), (&json!(43), &json!("track 42"))]);
        let stray: Vec<&Value> = of_phase(&events, "X").into_iter().filter(|e| e["name"] == "stray").collect();
        assert_eq!(stray.len(), 2);
        assert!(stray.iter().all(|e| e["pid"] == 3));
    }

    #[test]
    fn empty_trace_is_valid_json() {
        let events = parse(&trace_json(&[], &[]));
        assert!(events.is_empty());
        let only_tracks = parse(&trace_json(&tracks(), &[]));
        assert_eq!(only_tracks.len(), 2 * 2 + 2 * 3);
    }

    #[test]
    fn names_are_escaped() {
        let t = [track(0, "node \"0\"\n", "gpu\\0")];
        let s = [span(0, "tab\there", SpanCategory::Compute, 0, 1)];
        let events = parse(&trace_json(&t, &s));
        assert_eq!(events[0]["args"]["name"], "node \"0\"\n");
        assert_eq!(events[2]["args"]["name"], "gpu\\0");
        assert_eq!(events[4]["name"], "tab\there");
    }

    #[test]
    #[should_panic(expected = "declared twice")]
    fn duplicate_track_ids_panic() {
        trace_json(&[track(1, "a", "x"), track(1, "b", "y")], &[]);
    }

    #[test]
    #[should_panic(expected = "before its start")]
    fn spans_ending_before_they_start_panic() {
        trace_json(&tracks(), &[span(0, "bad", SpanCategory::Compute, 10, 9)]);
    }
}
