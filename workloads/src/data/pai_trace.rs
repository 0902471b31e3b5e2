//! Per-worker mini-batch times of distributed training jobs on Alibaba PAI (`minibatch_job_N_norm.csv`,
//! `alibaba/clusterdata` cluster-trace-gpu-v2020, CC BY 4.0; Xiao et al., "AntMan", OSDI 2020).
//!
//! Format: CSV with a header; the columns used are `worker` (worker id), `time` (iteration number) and
//! `batch_time_norm` (that worker's mini-batch time at that iteration, normalised upstream to 0–1000).
//! Other columns (an unnamed row index, `gpu`) are ignored.

use std::collections::{BTreeMap, BTreeSet};

use super::DataError;

/// Time ratios `ratios[w][k]`: worker `w`'s mini-batch time at the `k`-th complete iteration divided by
/// the mean over all workers at that iteration (so every iteration's ratios average to 1). The shape is
/// `[workers × complete iterations]`, ready for `sim_core::StragglerModel::Trace`.
///
/// Workers are numbered by rank of their id (the `w`-th smallest id; the shipped jobs use ids 0–9).
/// Iterations are taken in increasing `time`. An iteration in which some worker has no record, or has
/// more than one, is skipped (shipped files: job 2 loses its last 16 iterations, one of them with a
/// repeated row; job 3 its first; job 4 its last).
///
/// # Errors
/// [`DataError::MissingColumn`] if the header lacks `worker`, `time` or `batch_time_norm`;
/// [`DataError::FieldCount`] / [`DataError::Malformed`] for malformed CSV and
/// [`DataError::InvalidNumber`] for a non-integer worker or time or a batch time that is not a positive
/// finite number, each with its 1-based line number; [`DataError::Empty`] if no iteration is complete.
pub fn parse(text: &str) -> Result<Vec<Vec<f64>>, DataError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    let column =
        |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| DataError::MissingColumn(name.to_string()));
    let (c_worker, c_time, c_batch) = (column("worker")?, column("time")?, column("batch_time_norm")?);

    let mut iterations: BTreeMap<u64, Vec<(u32, f64)>> = BTreeMap::new();
    let mut workers: BTreeSet<u32> = BTreeSet::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |c: usize, name: &str| {
            record.get(c).ok_or(DataError::Malformed { line, message: format!("no `{name}` field") })
        };
        let number_error =
            |name: &str, text: &str| DataError::InvalidNumber { line, field: name.to_string(), text: text.to_string() };
        let w = field(c_worker, "worker")?;
        let worker: u32 = w.parse().map_err(|_| number_error("worker", w))?;
        let t = field(c_time, "time")?;
        let time: u64 = t.parse().map_err(|_| number_error("time", t))?;
        let b = field(c_batch, "batch_time_norm")?;
        let batch: f64 = b.parse().map_err(|_| number_error("batch_time_norm", b))?;
        if !(batch.is_finite() && batch > 0.0) {
            return Err(number_error("batch_time_norm", b));
        }
        workers.insert(worker);
        iterations.entry(time).or_default().push((worker, batch));
    }

    let ids: Vec<u32> = workers.into_iter().collect();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); ids.len()];
    for records in iterations.values_mut() {
        records.sort_by_key(|&(w, _)| w);
        if records.len() != ids.len() || records.iter().zip(&ids).any(|(&(w, _), &id)| w != id) {
            continue;
        }
        let mean = records.iter().map(|&(_, b)| b).sum::<f64>() / ids.len() as f64;
        for (series, &(_, b)) in ratios.iter_mut().zip(records.iter()) {
            series.push(b / mean);
        }
    }
    if ratios.first().is_none_or(|s| s.is_empty()) {
        return Err(DataError::Empty("no iteration with a record from every worker".into()));
    }
    Ok(ratios)
}

/// Converts a CSV reader error into a [`DataError`] with its line number.
fn csv_error(e: csv::Error) -> DataError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => DataError::FieldCount {
            line: pos.as_ref().map_or(0, |p| p.line() as usize),
            expected: *expected_len as usize,
            found: *len as usize,
        },
        _ => DataError::Malformed { line: e.position().map_or(0, |p| p.line() as usize), message: e.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_of_complete_iterations() {
        let text = ",worker,gpu,time,batch_time_norm\n0,0,25,2,300\n1,1,25,2,100\n2,0,25,1,10\n3,1,25,1,30\n\
                    4,0,25,3,50\n";
        let r = parse(text).unwrap();
        assert_eq!(r, vec![vec![0.5, 1.5], vec![1.5, 0.5]]);
    }

    #[test]
    fn errors_name_lines() {
        assert_eq!(parse("worker,time\n0,1\n"), Err(DataError::MissingColumn("batch_time_norm".into())));
        let e = parse("worker,time,batch_time_norm\n0,1,5\n0,x,5\n").unwrap_err();
        assert!(matches!(e, DataError::InvalidNumber { line: 3, .. }), "{e:?}");
        let e = parse("worker,time,batch_time_norm\n0,1,5\n0,2,0\n").unwrap_err();
        assert!(matches!(e, DataError::InvalidNumber { line: 3, .. }), "{e:?}");
        let e = parse("worker,time,batch_time_norm\n0,1\n").unwrap_err();
        assert!(matches!(e, DataError::FieldCount { line: 2, .. }), "{e:?}");
        assert!(matches!(parse("worker,time,batch_time_norm\n"), Err(DataError::Empty(_))));
    }
}
