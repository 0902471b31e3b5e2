//! Hardware catalogue: named presets of GPUs, DGX-class nodes, network ports and switches, optical I/O
//! chiplets and optical circuit switches.
//!
//! Every number carries its source. Unless a doc comment says otherwise, values are those of the
//! clustersim reference notes (`REFERENCE.md` §7.3 and §8), which cite the vendor datasheets and
//! whitepapers (NVIDIA A100/H100 datasheets via glennklockwood.com and hpctech tables, NVIDIA DGX
//! BasePOD documentation, the Ayar Labs OFC 2021 paper). Tags as in REFERENCE.md:
//! - **[V-doc]** read in vendor documentation or pages quoting it;
//! - **[R]** recalled, not re-read: provisional;
//! - **[assumption]** / **[calibration default]** chosen here, not a measurement.
//!
//! Units: rates in bytes/s ([`BytesPerSec`]; 1 Gb/s = 1.25·10⁸ bytes/s), compute in FLOP/s, memory in
//! decimal bytes (the datasheets' "80 GB" is taken as 80·10⁹ bytes), durations in ps ([`SimDuration`]).
//!
//! Presets are `const`s, so they can be copied and edited (`let mut g = H100_SXM5; g.device.efficiency = 0.4;`).
//! Look-ups by name return `Option` ([`gpu`], [`node`], [`network`], [`optical_chiplet`], [`ocs`]) or a
//! [`TopologyError::UnknownPreset`] that lists the valid names ([`try_gpu`], …; [`names`]).
//!
//! ```
//! use topologies::catalogue::{self, PresetKind};
//!
//! let h100 = catalogue::gpu("h100-sxm5").unwrap();
//! assert_eq!(h100.device.peak.0, 989_400_000_000_000);
//! let err = catalogue::try_gpu("v100").unwrap_err();
//! assert!(err.to_string().contains("a100-sxm4-80gb, h100-sxm5, h200-sxm"));
//! assert_eq!(catalogue::names(PresetKind::Node), ["dgx-a100", "dgx-h100"]);
//! ```

use std::fmt;

use sim_core::{BytesPerSec, ComputeDevice, FlopPerSec, SimDuration};

use crate::TopologyError;

/// Bytes per second in one gigabit per second (10⁹ bit/s ÷ 8).
const GBIT: u64 = 125_000_000;
/// Bytes per second in one gigabyte per second (10⁹ bytes/s).
const GBYTE: u64 = 1_000_000_000;
/// FLOP/s in one TFLOP/s.
const TFLOP: u64 = 1_000_000_000_000;

/// Achieved share of peak FLOP/s in every GPU preset: 0.5.
///
/// **[calibration default]**, not a measurement: the roofline efficiency of real training kernels depends on
/// the model, precision, batch size and software; calibrate it per workload against a measured step time.
pub const DEFAULT_EFFICIENCY: f64 = 0.5;

/// Fixed cost of one kernel launch in every GPU preset: 5 µs.
///
/// **[assumption]**: the order of magnitude of a CUDA kernel launch plus framework overhead (a few µs); not
/// from REFERENCE.md.
pub const DEFAULT_LAUNCH_OVERHEAD: SimDuration = SimDuration::from_us(5);

/// The catalogue sections, for look-up errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PresetKind {
    /// [`GpuPreset`].
    Gpu,
    /// [`NodePreset`].
    Node,
    /// [`NetworkPreset`].
    Network,
    /// [`OpticalChipletPreset`].
    OpticalChiplet,
    /// [`OcsPreset`].
    Ocs,
    /// An embedded Topology Zoo graph ([`crate::topology_zoo`]).
    TopologyZooGraph,
}

impl fmt::Display for PresetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PresetKind::Gpu => "GPU preset",
            PresetKind::Node => "node preset",
            PresetKind::Network => "network preset",
            PresetKind::OpticalChiplet => "optical I/O chiplet preset",
            PresetKind::Ocs => "optical circuit switch preset",
            PresetKind::TopologyZooGraph => "Topology Zoo graph",
        })
    }
}

/// A GPU: the compute device the engine runs kernels on, plus the figures the topology builders need.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuPreset {
    /// Catalogue name, e.g. `"h100-sxm5"`.
    pub name: &'static str,
    /// Roofline device: `peak` = dense FP16/BF16 tensor-core rate [FLOP/s], `efficiency` =
    /// [`DEFAULT_EFFICIENCY`], `memory_bytes` = HBM capacity [bytes], `memory_bandwidth` = HBM bandwidth
    /// [bytes/s], `launch_overhead` = [`DEFAULT_LAUNCH_OVERHEAD`] [ps].
    pub device: ComputeDevice,
    /// Thermal design power [W].
    pub tdp_watts: u32,
    /// NVLink bandwidth of one GPU, **both directions summed** [bytes/s] (the datasheet figure; half of it
    /// flows each way, see [`GpuPreset::nvlink_per_direction`]).
    pub nvlink_bandwidth: BytesPerSec,
    /// Host PCIe bandwidth, **one direction** [bytes/s]; the path from the GPU to its NIC in a DGX node.
    pub pcie_per_direction: BytesPerSec,
}

impl GpuPreset {
    /// NVLink bandwidth in one direction [bytes/s]: half of [`Self::nvlink_bandwidth`].
    pub fn nvlink_per_direction(&self) -> BytesPerSec {
        BytesPerSec(self.nvlink_bandwidth.0 / 2)
    }
}

/// NVIDIA A100 SXM4 80 GB.
///
/// Dense FP16/BF16 tensor 312 TFLOP/s (624 with sparsity); 80 GB HBM2e at 2 039 GB/s; NVLink 3, 12 links,
/// 600 GB/s per GPU (bidirectional total); PCIe Gen4 x16, 32 GB/s each way; TDP 400 W. All **[V-doc]**
/// (REFERENCE.md §8: glennklockwood.com A100 page citing the NVIDIA datasheet; hpctech table).
/// Efficiency and launch overhead: [`DEFAULT_EFFICIENCY`] (calibration default), [`DEFAULT_LAUNCH_OVERHEAD`]
/// (assumption).
pub const A100_SXM4_80GB: GpuPreset = GpuPreset {
    name: "a100-sxm4-80gb",
    device: ComputeDevice {
        peak: FlopPerSec(312 * TFLOP),
        efficiency: DEFAULT_EFFICIENCY,
        memory_bytes: 80 * GBYTE,
        memory_bandwidth: BytesPerSec(2_039 * GBYTE),
        launch_overhead: DEFAULT_LAUNCH_OVERHEAD,
    },
    tdp_watts: 400,
    nvlink_bandwidth: BytesPerSec(600 * GBYTE),
    pcie_per_direction: BytesPerSec(32 * GBYTE),
};

/// NVIDIA H100 SXM5 (80 GB).
///
/// Dense FP16/BF16 tensor 989.4 TFLOP/s (1 978.9 with sparsity); 80 GB HBM3 at 3 350 GB/s; NVLink 4, 18 links,
/// 900 GB/s per GPU (bidirectional total); PCIe Gen5 x16, 128 GB/s total = 64 GB/s each way; TDP 700 W. All
/// **[V-doc]** (REFERENCE.md §8: glennklockwood.com H100 page, hpctech H100 table). Efficiency and launch
/// overhead: [`DEFAULT_EFFICIENCY`] (calibration default), [`DEFAULT_LAUNCH_OVERHEAD`] (assumption).
pub const H100_SXM5: GpuPreset = GpuPreset {
    name: "h100-sxm5",
    device: ComputeDevice {
        peak: FlopPerSec(989_400_000_000_000),
        efficiency: DEFAULT_EFFICIENCY,
        memory_bytes: 80 * GBYTE,
        memory_bandwidth: BytesPerSec(3_350 * GBYTE),
        launch_overhead: DEFAULT_LAUNCH_OVERHEAD,
    },
    tdp_watts: 700,
    nvlink_bandwidth: BytesPerSec(900 * GBYTE),
    pcie_per_direction: BytesPerSec(64 * GBYTE),
};

/// NVIDIA H200 (SXM form factor).
///
/// Compute as H100 (989.4 TFLOP/s dense BF16) and 141 GB HBM3e at 4.8 TB/s: **[V-doc]** (REFERENCE.md §8).
/// NVLink 900 GB/s (bidirectional total), PCIe Gen5 64 GB/s each way and TDP 700 W are **[R]**: recalled
/// from NVIDIA's H200 SXM datasheet, not in REFERENCE.md. Efficiency and launch overhead:
/// [`DEFAULT_EFFICIENCY`] (calibration default), [`DEFAULT_LAUNCH_OVERHEAD`] (assumption).
pub const H200_SXM: GpuPreset = GpuPreset {
    name: "h200-sxm",
    device: ComputeDevice {
        peak: FlopPerSec(989_400_000_000_000),
        efficiency: DEFAULT_EFFICIENCY,
        memory_bytes: 141 * GBYTE,
        memory_bandwidth: BytesPerSec(4_800 * GBYTE),
        launch_overhead: DEFAULT_LAUNCH_OVERHEAD,
    },
    tdp_watts: 700,
    nvlink_bandwidth: BytesPerSec(900 * GBYTE),
    pcie_per_direction: BytesPerSec(64 * GBYTE),
};

/// A network port technology and the switch that carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkPreset {
    /// Catalogue name, e.g. `"ib-ndr"`.
    pub name: &'static str,
    /// Line rate of one port, each direction [bytes/s].
    pub port_rate: BytesPerSec,
    /// Forwarding latency of one switch traversal [ps].
    pub switch_latency: SimDuration,
    /// Ports of one switch at `port_rate`, when known. Builders do not enforce it (a "switch" of a
    /// builder may stand for a whole non-blocking switch tier); it is here for sizing.
    pub switch_radix: Option<u32>,
}

/// InfiniBand HDR: 200 Gb/s per port **[V-doc]**; HDR Quantum switch 40 × 200 Gb/s, ~130 ns port to port
/// **[R]** (REFERENCE.md §8).
pub const IB_HDR: NetworkPreset = NetworkPreset {
    name: "ib-hdr",
    port_rate: BytesPerSec(200 * GBIT),
    switch_latency: SimDuration::from_ns(130),
    switch_radix: Some(40),
};

/// InfiniBand NDR: 400 Gb/s per port; Quantum-2 switch 64 × 400 Gb/s **[V-doc]**. Switch latency 300 ns is an
/// **engineering default [R]** (REFERENCE.md §8 suggests 130–300 ns per IB hop and quotes "sub-µs
/// cut-through", one third-party page ~330 ns); not measured.
pub const IB_NDR: NetworkPreset = NetworkPreset {
    name: "ib-ndr",
    port_rate: BytesPerSec(400 * GBIT),
    switch_latency: SimDuration::from_ns(300),
    switch_radix: Some(64),
};

/// Data-center Ethernet, 100 GbE ports. Switch hop 0.5 µs: **engineering default [R]** within
/// REFERENCE.md §8's suggested 0.3–1 µs; radix unknown.
pub const ETH_100G: NetworkPreset = NetworkPreset {
    name: "eth-100g",
    port_rate: BytesPerSec(100 * GBIT),
    switch_latency: SimDuration::from_ns(500),
    switch_radix: None,
};

/// Data-center Ethernet, 400 GbE ports. Switch hop 0.5 µs: **engineering default [R]** within
/// REFERENCE.md §8's suggested 0.3–1 µs; radix unknown.
pub const ETH_400G: NetworkPreset = NetworkPreset {
    name: "eth-400g",
    port_rate: BytesPerSec(400 * GBIT),
    switch_latency: SimDuration::from_ns(500),
    switch_radix: None,
};

/// A multi-GPU server with an NVSwitch domain and one NIC per GPU.
#[derive(Clone, Debug, PartialEq)]
pub struct NodePreset {
    /// Catalogue name, e.g. `"dgx-h100"`.
    pub name: &'static str,
    /// The GPU model.
    pub gpu: GpuPreset,
    /// GPUs per node.
    pub gpus: u32,
    /// Bandwidth between one GPU and the NVSwitch domain, **each direction** [bytes/s]: half of the
    /// GPU's bidirectional NVLink figure (any-to-any at full NVLink rate).
    pub nvswitch_per_gpu: BytesPerSec,
    /// NVSwitch chips in the node (for reference; the builders model the domain as one switch).
    pub nvswitch_chips: u32,
    /// Compute-fabric NICs per node (storage NICs excluded).
    pub nics: u32,
    /// Port technology of each compute NIC (one port per NIC) and of the switches it plugs into.
    pub nic: NetworkPreset,
    /// Maximum system power [W].
    pub system_power_watts: u32,
}

/// NVIDIA DGX A100 (640 GB): 8 × [`A100_SXM4_80GB`], 6 × NVSwitch (2nd gen) giving any-to-any 600 GB/s per
/// GPU (4.8 TB/s aggregate), i.e. 300 GB/s each way; 8 single-port ConnectX-6 **HDR 200 Gb/s** InfiniBand
/// NICs for compute ([`IB_HDR`]); ~6.5 kW. **[V-doc]** (REFERENCE.md §8: NVIDIA developer blog and
/// third-party pages).
pub const DGX_A100: NodePreset = NodePreset {
    name: "dgx-a100",
    gpu: A100_SXM4_80GB,
    gpus: 8,
    nvswitch_per_gpu: BytesPerSec(300 * GBYTE),
    nvswitch_chips: 6,
    nics: 8,
    nic: IB_HDR,
    system_power_watts: 6_500,
};

/// NVIDIA DGX H100: 8 × [`H100_SXM5`], 4 × NVSwitch (3rd gen) giving 900 GB/s per GPU, i.e. 450 GB/s each
/// way; 8 single-port ConnectX-7 **NDR 400 Gb/s** NICs for compute ([`IB_NDR`]; the two dual-port storage
/// NICs are not modelled); ~10.2 kW. **[V-doc]** (REFERENCE.md §8: docs.nvidia.com DGX BasePOD).
pub const DGX_H100: NodePreset = NodePreset {
    name: "dgx-h100",
    gpu: H100_SXM5,
    gpus: 8,
    nvswitch_per_gpu: BytesPerSec(450 * GBYTE),
    nvswitch_chips: 4,
    nics: 8,
    nic: IB_NDR,
    system_power_watts: 10_200,
};

/// A silicon-photonic optical I/O chiplet co-packaged with a GPU.
#[derive(Clone, Debug, PartialEq)]
pub struct OpticalChipletPreset {
    /// Catalogue name, e.g. `"teraphy"`.
    pub name: &'static str,
    /// Optical ports per chiplet.
    pub ports: u32,
    /// Rate of one port, each direction [bytes/s].
    pub port_rate: BytesPerSec,
    /// WDM wavelengths per port.
    pub wavelengths_per_port: u32,
    /// Rate of one wavelength [bytes/s].
    pub wavelength_rate: BytesPerSec,
    /// Transmit + receive energy, lowest reported value [pJ/bit].
    pub energy_pj_per_bit_min: f64,
    /// Transmit + receive energy, highest reported value [pJ/bit].
    pub energy_pj_per_bit_max: f64,
}

impl OpticalChipletPreset {
    /// Total rate of all ports of one chiplet, each direction [bytes/s].
    pub fn bandwidth(&self) -> BytesPerSec {
        BytesPerSec(u64::from(self.ports) * self.port_rate.0)
    }
}

/// Ayar Labs TeraPHY (OFC 2021): error-free 1 Tb/s WDM chiplet = 8 optical ports × 128 Gb/s, each port 8 λ ×
/// 16 Gb/s; 4.96–5.56 pJ/bit Tx+Rx; fed by the external SuperNova multi-wavelength laser. **[V-doc]**
/// (REFERENCE.md §7.3: studylib copy of "An Error-free 1 Tbps WDM Optical I/O Chiplet and Multi-wavelength
/// Multi-port Laser"). Later 2/4 Tb/s generations are [R] and not catalogued.
pub const TERAPHY: OpticalChipletPreset = OpticalChipletPreset {
    name: "teraphy",
    ports: 8,
    port_rate: BytesPerSec(128 * GBIT),
    wavelengths_per_port: 8,
    wavelength_rate: BytesPerSec(16 * GBIT),
    energy_pj_per_bit_min: 4.96,
    energy_pj_per_bit_max: 5.56,
};

/// The optical I/O of one GPU: `chiplets_per_gpu` copies of `chiplet`.
#[derive(Clone, Debug, PartialEq)]
pub struct OpticalIo {
    /// The chiplet model.
    pub chiplet: OpticalChipletPreset,
    /// Chiplets per GPU, ≥ 1 (SiP-ML sweeps a few to ~8–10 Tb/s per GPU; the exact values are
    /// [UNVERIFIED], REFERENCE.md §7.1).
    pub chiplets_per_gpu: u32,
}

impl OpticalIo {
    /// Optical ports per GPU: `chiplets_per_gpu · chiplet.ports` (a [`TERAPHY`] gives 8 each).
    pub fn ports(&self) -> u64 {
        u64::from(self.chiplets_per_gpu) * u64::from(self.chiplet.ports)
    }

    /// Total optical rate of one GPU, each direction [bytes/s]: `ports() · chiplet.port_rate`.
    pub fn bandwidth(&self) -> BytesPerSec {
        BytesPerSec(self.ports() * self.chiplet.port_rate.0)
    }
}

/// An optical circuit switch: a passive patch between ports that takes a while to re-patch.
///
/// A circuit adds no switching hop (light passes through); while the OCS reconfigures, the affected circuits
/// carry nothing. The builders model one configuration as the links of a direct-connect fabric
/// ([`crate::FabricShape::Circuits`]), or a sequence of configurations as the union of their circuits
/// ([`crate::circuit_switched_fabric`]); `sim_core::ocs::reconfigure` applies the reconfiguration time when a
/// run changes circuits.
#[derive(Clone, Debug, PartialEq)]
pub struct OcsPreset {
    /// Catalogue name, e.g. `"mems"`.
    pub name: &'static str,
    /// Time to set up a new configuration, during which affected circuits are dark [ps].
    pub reconfiguration: SimDuration,
}

/// MEMS mirror OCS: reconfiguration **10 ms** — REFERENCE.md §7.3's suggested simulator default **[R, chosen
/// and documented]**; the same section reports ≈2–3 ms settling as typical and tens of ms for some commercial
/// units [V-doc third-party + R].
pub const MEMS_OCS: OcsPreset = OcsPreset { name: "mems", reconfiguration: SimDuration::from_ms(10) };

/// Microsecond-class research OCS: reconfiguration **20 µs** — REFERENCE.md §7.3's suggested default **[R]**.
/// For comparison the cited 24-port prototype switches in 2.8 µs but needs 68.5 µs to program [V-doc];
/// RotorNet-style rotor switches take ~10–20 µs [R].
pub const MICROSECOND_OCS: OcsPreset = OcsPreset { name: "us-ocs", reconfiguration: SimDuration::from_us(20) };

/// SiP-Ring micro-ring resonator wavelength selection (SiP-ML's SiP-Ring): reconfiguration **25 µs** —
/// REFERENCE.md §7.3's suggested default **[R]**; SiP-ML's exact value is [UNVERIFIED] (§7.1).
pub const SIP_MICRORING: OcsPreset = OcsPreset { name: "sip-microring", reconfiguration: SimDuration::from_us(25) };

const GPUS: [GpuPreset; 3] = [A100_SXM4_80GB, H100_SXM5, H200_SXM];
const NODES: [NodePreset; 2] = [DGX_A100, DGX_H100];
const NETWORKS: [NetworkPreset; 4] = [IB_HDR, IB_NDR, ETH_100G, ETH_400G];
const CHIPLETS: [OpticalChipletPreset; 1] = [TERAPHY];
const OCSES: [OcsPreset; 3] = [MEMS_OCS, MICROSECOND_OCS, SIP_MICRORING];

/// The GPU preset called `name` ([`names`]`(PresetKind::Gpu)`), e.g. `"a100-sxm4-80gb"`.
pub fn gpu(name: &str) -> Option<GpuPreset> {
    GPUS.iter().find(|p| p.name == name).cloned()
}

/// The node preset called `name`, e.g. `"dgx-h100"`.
pub fn node(name: &str) -> Option<NodePreset> {
    NODES.iter().find(|p| p.name == name).cloned()
}

/// The network preset called `name`, e.g. `"ib-ndr"`.
pub fn network(name: &str) -> Option<NetworkPreset> {
    NETWORKS.iter().find(|p| p.name == name).cloned()
}

/// The optical I/O chiplet preset called `name`, e.g. `"teraphy"`.
pub fn optical_chiplet(name: &str) -> Option<OpticalChipletPreset> {
    CHIPLETS.iter().find(|p| p.name == name).cloned()
}

/// The optical circuit switch preset called `name`, e.g. `"mems"`.
pub fn ocs(name: &str) -> Option<OcsPreset> {
    OCSES.iter().find(|p| p.name == name).cloned()
}

/// The names of one catalogue section, in catalogue order (for error messages and `--help`).
pub fn names(kind: PresetKind) -> Vec<&'static str> {
    match kind {
        PresetKind::Gpu => GPUS.iter().map(|p| p.name).collect(),
        PresetKind::Node => NODES.iter().map(|p| p.name).collect(),
        PresetKind::Network => NETWORKS.iter().map(|p| p.name).collect(),
        PresetKind::OpticalChiplet => CHIPLETS.iter().map(|p| p.name).collect(),
        PresetKind::Ocs => OCSES.iter().map(|p| p.name).collect(),
        PresetKind::TopologyZooGraph => crate::topology_zoo::names(),
    }
}

fn require<T>(kind: PresetKind, name: &str, found: Option<T>) -> Result<T, TopologyError> {
    found.ok_or_else(|| TopologyError::UnknownPreset { kind, name: name.to_owned(), valid: names(kind) })
}

/// As [`gpu`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] listing the valid names.
pub fn try_gpu(name: &str) -> Result<GpuPreset, TopologyError> {
    require(PresetKind::Gpu, name, gpu(name))
}

/// As [`node`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] listing the valid names.
pub fn try_node(name: &str) -> Result<NodePreset, TopologyError> {
    require(PresetKind::Node, name, node(name))
}

/// As [`network`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] listing the valid names.
pub fn try_network(name: &str) -> Result<NetworkPreset, TopologyError> {
    require(PresetKind::Network, name, network(name))
}

/// As [`optical_chiplet`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] listing the valid names.
pub fn try_optical_chiplet(name: &str) -> Result<OpticalChipletPreset, TopologyError> {
    require(PresetKind::OpticalChiplet, name, optical_chiplet(name))
}

/// As [`ocs`], with an error for a missing name.
///
/// # Errors
/// [`TopologyError::UnknownPreset`] listing the valid names.
pub fn try_ocs(name: &str) -> Result<OcsPreset, TopologyError> {
    require(PresetKind::Ocs, name, ocs(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// System: the catalogue. Expectations: every number equals REFERENCE.md §7.3 / §8 as written there.
    #[test]
    fn gpu_values_equal_reference() {
        let a100 = gpu("a100-sxm4-80gb").unwrap();
        assert_eq!(a100.device.peak, FlopPerSec(312_000_000_000_000)); // 312 TFLOP/s dense BF16
        assert_eq!(a100.device.memory_bytes, 80_000_000_000); // 80 GB HBM2e
        assert_eq!(a100.device.memory_bandwidth, BytesPerSec(2_039_000_000_000)); // 2 039 GB/s
        assert_eq!(a100.nvlink_bandwidth, BytesPerSec(600_000_000_000)); // 600 GB/s
        assert_eq!(a100.nvlink_per_direction(), BytesPerSec(300_000_000_000));
        assert_eq!(a100.pcie_per_direction, BytesPerSec(32_000_000_000)); // "32+32 GB/s"
        assert_eq!(a100.tdp_watts, 400);

        let h100 = gpu("h100-sxm5").unwrap();
        assert_eq!(h100.device.peak, FlopPerSec(989_400_000_000_000)); // 989.4 TFLOP/s
        assert_eq!(h100.device.memory_bytes, 80_000_000_000);
        assert_eq!(h100.device.memory_bandwidth, BytesPerSec(3_350_000_000_000)); // 3 350 GB/s
        assert_eq!(h100.nvlink_bandwidth, BytesPerSec(900_000_000_000)); // 900 GB/s
        assert_eq!(2 * h100.pcie_per_direction.0, 128_000_000_000); // "128 GB/s total"
        assert_eq!(h100.tdp_watts, 700);

        let h200 = gpu("h200-sxm").unwrap();
        assert_eq!(h200.device.peak, h100.device.peak); // "same compute as H100"
        assert_eq!(h200.device.memory_bytes, 141_000_000_000); // 141 GB
        assert_eq!(h200.device.memory_bandwidth, BytesPerSec(4_800_000_000_000)); // 4.8 TB/s

        for g in GPUS {
            assert_eq!(g.device.efficiency, 0.5);
            assert_eq!(g.device.launch_overhead, SimDuration::from_us(5));
        }
    }

    #[test]
    fn node_and_network_values_equal_reference() {
        let a = node("dgx-a100").unwrap();
        assert_eq!((a.gpus, a.nics, a.nvswitch_chips, a.system_power_watts), (8, 8, 6, 6_500));
        assert_eq!(a.gpu, A100_SXM4_80GB);
        // "any-to-any 600 GB/s per GPU, 4.8 TB/s aggregate": 300 GB/s each way, 8 · 600 GB/s total.
        assert_eq!(a.nvswitch_per_gpu, a.gpu.nvlink_per_direction());
        assert_eq!(2 * u64::from(a.gpus) * a.nvswitch_per_gpu.0, 4_800_000_000_000);
        assert_eq!(a.nic.port_rate, BytesPerSec(25_000_000_000)); // HDR 200 Gb/s
        let h = node("dgx-h100").unwrap();
        assert_eq!((h.gpus, h.nics, h.nvswitch_chips, h.system_power_watts), (8, 8, 4, 10_200));
        assert_eq!(h.nvswitch_per_gpu, BytesPerSec(450_000_000_000));
        assert_eq!(u64::from(h.gpus) * h.gpu.device.memory_bytes, 640_000_000_000); // 640 GB total
        assert_eq!(h.nic, IB_NDR);

        let hdr = network("ib-hdr").unwrap();
        assert_eq!(hdr.port_rate.0 * 8, 200_000_000_000);
        assert_eq!(hdr.switch_latency, SimDuration::from_ns(130));
        assert_eq!(hdr.switch_radix, Some(40));
        let ndr = network("ib-ndr").unwrap();
        assert_eq!(ndr.port_rate.0 * 8, 400_000_000_000);
        assert_eq!(ndr.switch_latency, SimDuration::from_ns(300));
        // Quantum-2: 64 × 400 Gb/s = 25.6 Tb/s each way, the quoted 51.2 Tb/s counts both directions.
        assert_eq!(u64::from(ndr.switch_radix.unwrap()) * ndr.port_rate.0 * 8 * 2, 51_200_000_000_000);
        for (name, gbps) in [("eth-100g", 100), ("eth-400g", 400)] {
            let e = network(name).unwrap();
            assert_eq!(e.port_rate.0 * 8, gbps * 1_000_000_000);
            assert_eq!(e.switch_latency, SimDuration::from_ns(500));
        }
    }

    #[test]
    fn optical_values_equal_reference() {
        let t = optical_chiplet("teraphy").unwrap();
        assert_eq!((t.ports, t.wavelengths_per_port), (8, 8));
        assert_eq!(t.port_rate.0 * 8, 128_000_000_000); // 128 Gb/s per port
        assert_eq!(t.wavelength_rate.0 * 8, 16_000_000_000); // 16 Gb/s per λ
        assert_eq!(u64::from(t.wavelengths_per_port) * t.wavelength_rate.0, t.port_rate.0);
        assert_eq!(t.bandwidth().0 * 8, 1_024_000_000_000); // "1 Tbps"
        assert_eq!((t.energy_pj_per_bit_min, t.energy_pj_per_bit_max), (4.96, 5.56));
        let io = OpticalIo { chiplet: t, chiplets_per_gpu: 4 };
        assert_eq!(io.ports(), 32);
        assert_eq!(io.bandwidth().0 * 8, 4_096_000_000_000);

        assert_eq!(ocs("mems").unwrap().reconfiguration, SimDuration::from_ms(10));
        assert_eq!(ocs("us-ocs").unwrap().reconfiguration, SimDuration::from_us(20));
        assert_eq!(ocs("sip-microring").unwrap().reconfiguration, SimDuration::from_us(25));
    }

    #[test]
    fn missing_names_list_the_valid_ones() {
        assert_eq!(gpu("A100"), None);
        let err = try_gpu("A100").unwrap_err();
        assert_eq!(
            err,
            TopologyError::UnknownPreset {
                kind: PresetKind::Gpu,
                name: "A100".into(),
                valid: vec!["a100-sxm4-80gb", "h100-sxm5", "h200-sxm"],
            }
        );
        assert_eq!(err.to_string(), "unknown GPU preset `A100`; valid names: a100-sxm4-80gb, h100-sxm5, h200-sxm");
        assert!(try_node("dgx-b200").unwrap_err().to_string().ends_with("valid names: dgx-a100, dgx-h100"));
        assert!(try_network("ib-xdr").unwrap_err().to_string().ends_with("ib-hdr, ib-ndr, eth-100g, eth-400g"));
        assert!(try_optical_chiplet("x").unwrap_err().to_string().ends_with("valid names: teraphy"));
        assert!(try_ocs("rotor").unwrap_err().to_string().ends_with("mems, us-ocs, sip-microring"));
        assert!(try_gpu("h100-sxm5").is_ok() && try_node("dgx-a100").is_ok() && try_ocs("mems").is_ok());
    }

    #[test]
    fn names_are_unique_per_section() {
        for kind in
            [PresetKind::Gpu, PresetKind::Node, PresetKind::Network, PresetKind::OpticalChiplet, PresetKind::Ocs]
        {
            let mut n = names(kind);
            let len = n.len();
            n.sort_unstable();
            n.dedup();
            assert_eq!(n.len(), len, "{kind}");
        }
    }
}
