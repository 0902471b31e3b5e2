//! ResNets with bottleneck blocks (He et al., "Deep Residual Learning for Image Recognition", CVPR
//! 2016, Table 1) in torchvision's layout, one [`Layer`] per bottleneck block.
//!
//! # Layers
//! `conv1` (the 7 × 7/2 stem convolution, its BatchNorm and ReLU, and the 3 × 3/2 max-pool), one
//! layer per bottleneck block named after He et al.'s stages (`conv2_1` … `conv5_3` for ResNet-50),
//! and `fc` (global average pool and the fully connected classifier). Blocks rather than single
//! convolutions are the unit because a block's residual sum ties its convolutions together (a
//! pipeline cut inside a block would have to send two tensors).
//!
//! A block is torchvision's `Bottleneck`: 1 × 1 (`c_in → w`), 3 × 3 (`w → w`, stride `σ`), 1 × 1
//! (`w → 4w`), each followed by BatchNorm, ReLU after the first two and after the residual sum;
//! the first block of a stage projects the shortcut with a 1 × 1 convolution (stride `σ`) and
//! BatchNorm. torchvision puts the stride on the 3 × 3 convolution ("ResNet v1.5"); the original
//! (Caffe) model puts it on the first 1 × 1 ([`ResNetConfig::stride_in_3x3`] = false), which makes
//! the first 1 × 1 convolution of stages 3–5 four times cheaper.
//!
//! # Figures
//! - FLOPs: `2 ×` the multiply-accumulates of the convolutions and the classifier, from the layer
//!   shapes (`k² · c_in · c_out · H_out · W_out`); BatchNorm, ReLU, pooling and residual sums
//!   (≈ 0.5 %) are left out. Backward = 2 × forward.
//! - Parameters: convolution weights (no biases), BatchNorm γ and β (`2·c` each), classifier weights
//!   and bias.
//! - Activations (16-bit, what PyTorch keeps for the backward pass; our count): per convolution +
//!   BatchNorm + ReLU unit, the BatchNorm input (the convolution output) and the ReLU output (also
//!   the next convolution's input); per block, additionally the third BatchNorm's and the shortcut
//!   BatchNorm's inputs and the block output (the final ReLU's output, the next block's input). The
//!   stem also keeps the image and the max-pool's int64 indices (8 bytes per output element). No
//!   tensor parallelism: everything is `replicated`; `input` is the layer's input (what full
//!   recomputation keeps).
//! - `output_bytes` = 2 × the output elements; `forward_memory_bytes` = 2 × the kept bytes + the
//!   output bytes (each kept tensor written once and read once; our estimate).
//! - No tensor parallelism (`tensor_parallel: false`), no layer collectives; data-parallel
//!   gradients all-reduced.

use serde::{Deserialize, Serialize};
use sim_core::training::{ActivationBytes, Layer, TrainingJob};

/// Bytes of a 16-bit element.
const B16: f64 = 2.0;

/// A bottleneck ResNet for square images.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResNetConfig {
    /// Model name (`"resnet50"`).
    pub name: String,
    /// Bottleneck blocks in stages conv2_x … conv5_x (`[3, 4, 6, 3]` for ResNet-50).
    pub blocks: [u64; 4],
    /// Input height and width [pixels] (224 for ImageNet training).
    pub image_size: u64,
    /// Output classes (1 000 for ImageNet).
    pub classes: u64,
    /// Whether a stage's stride sits on the 3 × 3 convolution (torchvision, "v1.5") rather than on
    /// the first 1 × 1 (He et al.'s original model).
    pub stride_in_3x3: bool,
}

/// One convolution's output size and cost.
struct Conv {
    /// Output height = width [pixels].
    out: u64,
    /// Multiply-accumulates per image.
    macs: u64,
    /// Weights.
    weights: u64,
}

/// A `k × k` convolution, stride `stride`, padding `pad`, on a `size × size × c_in` input.
fn conv(size: u64, c_in: u64, c_out: u64, k: u64, stride: u64, pad: u64) -> Conv {
    let out = if size + 2 * pad < k { 0 } else { (size + 2 * pad - k) / stride.max(1) + 1 };
    Conv { out, macs: k * k * c_in * c_out * out * out, weights: k * k * c_in * c_out }
}

impl ResNetConfig {
    fn named(name: &str, blocks: [u64; 4]) -> Self {
        ResNetConfig { name: name.to_string(), blocks, image_size: 224, classes: 1000, stride_in_3x3: true }
    }

    /// ResNet-50 (`[3, 4, 6, 3]`) at 224 × 224, 1 000 classes, torchvision layout: 25 557 032
    /// parameters, 4.09 G multiply-accumulates per image.
    pub fn resnet50() -> Self {
        Self::named("resnet50", [3, 4, 6, 3])
    }

    /// ResNet-101 (`[3, 4, 23, 3]`) at 224 × 224, torchvision layout: 44 549 160 parameters.
    pub fn resnet101() -> Self {
        Self::named("resnet101", [3, 4, 23, 3])
    }

    /// ResNet-152 (`[3, 8, 36, 3]`) at 224 × 224, torchvision layout: 60 192 808 parameters.
    pub fn resnet152() -> Self {
        Self::named("resnet152", [3, 8, 36, 3])
    }

    /// Forward multiply-accumulates per image of the convolutions and the classifier.
    pub fn forward_macs(&self) -> u64 {
        self.layers().iter().map(|l| (l.forward_flops / 2.0) as u64).sum()
    }

    /// Trainable parameters (the sum over [`ResNetConfig::layers`]).
    pub fn parameters(&self) -> u64 {
        self.layers().iter().map(|l| l.parameters).sum()
    }

    /// The layers per image: `conv1`, the bottleneck blocks, `fc` (see the module docs).
    pub fn layers(&self) -> Vec<Layer> {
        let mut layers = Vec::new();
        let layer = |name: String, macs: u64, parameters: u64, kept: f64, input: f64, output: f64| {
            let activations = ActivationBytes { replicated: kept, split: 0.0, attention: 0.0, input };
            Layer {
                name,
                forward_flops: 2.0 * macs as f64,
                backward_flops: 4.0 * macs as f64,
                attention_flops: 0.0,
                forward_memory_bytes: 2.0 * kept + output,
                parameters,
                tensor_parallel: false,
                data_parallel_gradients: true,
                activations,
                output_bytes: output,
                forward_collectives: Vec::new(),
                backward_collectives: Vec::new(),
                fixed_times: None,
                gradient_collective: None,
            }
        };

        // Stem: conv 7×7/2 (3 → 64), BN, ReLU, max-pool 3×3/2 padding 1.
        let image = 3 * self.image_size * self.image_size;
        let stem = conv(self.image_size, 3, 64, 7, 2, 3);
        let stem_elems = 64 * stem.out * stem.out;
        let pooled = if stem.out + 2 < 3 { 0 } else { (stem.out + 2 - 3) / 2 + 1 };
        let pool_elems = 64 * pooled * pooled;
        let kept = B16 * (image + 2 * stem_elems + pool_elems) as f64 + 8.0 * pool_elems as f64;
        layers.push(layer(
            "conv1".to_string(),
            stem.macs,
            stem.weights + 2 * 64,
            kept,
            B16 * image as f64,
            B16 * pool_elems as f64,
        ));

        let (mut size, mut c_in) = (pooled, 64);
        for (stage, &count) in self.blocks.iter().enumerate() {
            let width = 64 << stage;
            for b in 0..count {
                let stride = if stage > 0 && b == 0 { 2 } else { 1 };
                let (s1, s3) = if self.stride_in_3x3 { (1, stride) } else { (stride, 1) };
                let c1 = conv(size, c_in, width, 1, s1, 0);
                let c2 = conv(c1.out, width, width, 3, s3, 1);
                let c3 = conv(c2.out, width, 4 * width, 1, 1, 0);
                let mut macs = c1.macs + c2.macs + c3.macs;
                let mut params = c1.weights + c2.weights + c3.weights + 2 * (width + width + 4 * width);
                let e1 = width * c1.out * c1.out;
                let e2 = width * c2.out * c2.out;
                let e3 = 4 * width * c3.out * c3.out;
                // BN inputs and ReLU outputs of units 1 and 2, BN3 input, block output.
                let mut kept_elems = 2 * e1 + 2 * e2 + e3 + e3;
                if b == 0 {
                    let down = conv(size, c_in, 4 * width, 1, stride, 0);
                    macs += down.macs;
                    params += down.weights + 2 * 4 * width;
                    kept_elems += 4 * width * down.out * down.out;
                }
                layers.push(layer(
                    format!("conv{}_{}", stage + 2, b + 1),
                    macs,
                    params,
                    B16 * kept_elems as f64,
                    B16 * (c_in * size * size) as f64,
                    B16 * e3 as f64,
                ));
                size = c3.out;
                c_in = 4 * width;
            }
        }

        // Global average pool, then fc c_in → classes with bias.
        let fc_macs = c_in * self.classes;
        layers.push(layer(
            "fc".to_string(),
            fc_macs,
            fc_macs + self.classes,
            B16 * (c_in + self.classes) as f64,
            B16 * (c_in * size * size) as f64,
            B16 * self.classes as f64,
        ));
        layers
    }

    /// A training job of `global_batch` images per iteration in mixed precision with SGD and
    /// momentum (the MLPerf ResNet-50 recipe's optimizer family): 16-bit weights and gradients (2 + 2
    /// bytes per parameter) and 8 bytes of fp32 master weights and momentum.
    pub fn job(&self, global_batch: u64) -> TrainingJob {
        TrainingJob::mixed_precision(self.name.clone(), self.layers(), global_batch, 1, 8)
    }
}

#[cfg(test)]
mod tests {
    use super::super::rel;
    use super::*;

    /// torchvision's `num_params` for resnet50/101/152.
    #[test]
    fn parameters_match_torchvision() {
        assert_eq!(ResNetConfig::resnet50().parameters(), 25_557_032);
        assert_eq!(ResNetConfig::resnet101().parameters(), 44_549_160);
        assert_eq!(ResNetConfig::resnet152().parameters(), 60_192_808);
    }

    /// torchvision ResNet-50 is ≈ 4.09 GMAC per 224 × 224 image (torchprofile counts 4 089 186 304
    /// and 7 801 407 488 for ResNet-101 on conv + linear layers). He et al. report "3.8 × 10⁹ FLOPs"
    /// (multiply-adds) for ResNet-50: their model strides on the first 1 × 1 convolution, which is
    /// cheaper (computed below: 3.86 G), and their count is rounded from their own accounting.
    #[test]
    fn resnet50_forward_is_4_09_gmac() {
        let r = ResNetConfig::resnet50();
        // torchprofile's 4 089 186 304 and 7 801 407 488 are 2 048 above the conv + fc count: one
        // per output of the global average pool, which it also counts.
        assert_eq!(r.forward_macs(), 4_089_186_304 - 2048);
        assert_eq!(ResNetConfig::resnet101().forward_macs(), 7_801_407_488 - 2048);
        let flops: f64 = r.layers().iter().map(|l| l.forward_flops).sum();
        assert!(rel(flops, 2.0 * 4.09e9) < 0.02, "{flops:e}");
        let v1 = ResNetConfig { stride_in_3x3: false, ..ResNetConfig::resnet50() };
        assert_eq!(v1.parameters(), 25_557_032);
        let v1_macs = v1.forward_macs() as f64;
        eprintln!("ResNet-50 v1.5 {} MAC, v1 {v1_macs} MAC", r.forward_macs());
        assert!(v1_macs < r.forward_macs() as f64 && rel(v1_macs, 3.8e9) < 0.05, "{v1_macs:e}");
    }

    #[test]
    fn resnet50_layers_have_the_documented_shape() {
        let r = ResNetConfig::resnet50();
        let layers = r.layers();
        assert_eq!(layers.len(), 18);
        assert_eq!(layers[0].name, "conv1");
        assert_eq!(layers[1].name, "conv2_1");
        assert_eq!(layers[16].name, "conv5_3");
        assert_eq!(layers[17].name, "fc");
        // Stem: 7·7·3·64 weights at 112×112, output 64×56×56.
        assert_eq!(layers[0].forward_flops, 2.0 * (7 * 7 * 3 * 64 * 112 * 112) as f64);
        assert_eq!(layers[0].output_bytes, 2.0 * (64 * 56 * 56) as f64);
        // Last block outputs 2048×7×7; fc has 2048·1000 + 1000 parameters.
        assert_eq!(layers[16].output_bytes, 2.0 * (2048 * 7 * 7) as f64);
        assert_eq!(layers[17].parameters, 2_049_000);
        assert!(layers.iter().all(|l| !l.tensor_parallel
            && l.forward_collectives.is_empty()
            && l.backward_collectives.is_empty()
            && l.backward_flops == 2.0 * l.forward_flops));
        // conv2_1 keeps: BN1 in + ReLU1 out (64×56×56 each), BN2 in + ReLU2 out (same), BN3 in,
        // shortcut BN in and block output (256×56×56 each).
        let e = (56 * 56) as f64;
        assert_eq!(layers[1].activations.replicated, 2.0 * (4.0 * 64.0 * e + 3.0 * 256.0 * e));
        assert_eq!(layers[1].activations.input, 2.0 * 64.0 * e);
    }

    #[test]
    fn tiny_images_do_not_panic() {
        for size in [0, 1, 7, 31] {
            let r = ResNetConfig { image_size: size, ..ResNetConfig::resnet50() };
            assert_eq!(r.parameters(), 25_557_032);
            let _ = r.forward_macs();
        }
    }
}
