//! Compute devices and the roofline cost of a kernel.

use crate::time::{compute_time, transfer_time, BytesPerSec, FlopPerSec, SimDuration};

/// A processor that executes kernels: a GPU, or a CPU node treated as one device.
///
/// A kernel of `F` FLOPs touching `B` bytes of memory takes
/// `launch_overhead + max(F / (peak · efficiency), B / memory_bandwidth)`: the roofline model
/// (Williams, Waterman, Patterson, CACM 52(4), 2009) with a calibratable achieved-efficiency factor.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputeDevice {
    /// Peak arithmetic rate [FLOP/s] (datasheet figure for the precision in use).
    pub peak: FlopPerSec,
    /// Share of `peak` that kernels achieve, in (0, 1].
    pub efficiency: f64,
    /// Memory capacity [bytes].
    pub memory_bytes: u64,
    /// Memory bandwidth [bytes/s].
    pub memory_bandwidth: BytesPerSec,
    /// Fixed cost of starting one kernel [ps].
    pub launch_overhead: SimDuration,
}

/// What one step of work costs: arithmetic and memory traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Floating-point operations [FLOP].
    pub flops: u64,
    /// Bytes read or written in device memory [bytes].
    pub bytes: u64,
}

impl Work {
    /// The sum of two amounts of work.
    pub fn plus(self, other: Work) -> Work {
        Work { flops: self.flops + other.flops, bytes: self.bytes + other.bytes }
    }
}

impl ComputeDevice {
    /// The achieved arithmetic rate `peak · efficiency` [FLOP/s], at least 1.
    pub fn achieved_rate(&self) -> FlopPerSec {
        FlopPerSec(((self.peak.0 as f64 * self.efficiency).round() as u64).max(1))
    }

    /// Duration of one kernel doing `work` [ps], by the roofline model above.
    pub fn kernel_time(&self, work: Work) -> SimDuration {
        let arithmetic = compute_time(work.flops, self.achieved_rate());
        let memory = transfer_time(work.bytes, self.memory_bandwidth);
        self.launch_overhead + arithmetic.max(memory)
    }
}

/// A device for network tests, where compute does not matter: 1 FLOP/s, no overhead.
#[cfg(test)]
pub(crate) fn test_device() -> ComputeDevice {
    ComputeDevice {
        peak: FlopPerSec(1),
        efficiency: 1.0,
        memory_bytes: 1,
        memory_bandwidth: BytesPerSec(1),
        launch_overhead: SimDuration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> ComputeDevice {
        ComputeDevice {
            peak: FlopPerSec(100_000_000_000),
            efficiency: 0.5,
            memory_bytes: 1 << 30,
            memory_bandwidth: BytesPerSec(10_000_000_000),
            launch_overhead: SimDuration::from_us(1),
        }
    }

    #[test]
    fn roofline_takes_the_slower_of_arithmetic_and_memory() {
        // 50 GFLOP/s achieved: 5e6 FLOP = 100 us; 1e5 bytes at 10 GB/s = 10 us.
        let t = device().kernel_time(Work { flops: 5_000_000, bytes: 100_000 });
        assert_eq!(t, SimDuration::from_us(101));
        // Memory-bound: 1e7 bytes = 1 ms.
        let t = device().kernel_time(Work { flops: 10, bytes: 10_000_000 });
        assert_eq!(t, SimDuration::from_us(1_001));
    }
}
