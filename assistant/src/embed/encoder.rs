//! MiniLM's BERT encoder, laid out for CPU inference on candle's tensors.
//!
//! candle-transformers' `BertModel` follows PyTorch's module tree: every bias, residual,
//! scale and mask is a tensor operation of its own, each one pass over memory into a
//! freshly allocated tensor; its softmax is five such passes, and its GELU computes `erf`
//! one value at a time. [`Encoder`] computes the same function (a test holds its output to
//! the library's model) with the matrix multiplies left to candle and what lies between
//! them done in place, in one pass each:
//!
//! - query, key and value as one multiply, the attention scale folded into the query's
//!   weights at load;
//! - the padding mask and the softmax together;
//! - bias, residual and layer norm together;
//! - bias and GELU together, over a branch-free rational `erf` that the compiler turns
//!   into vector instructions.

use candle_core::{backend::BackendStorage, bail, CpuStorage, Layout, Result, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};
use rayon::prelude::*;

/// The encoder's weights; [`Encoder::forward`] maps token ids to hidden states.
pub struct Encoder {
    word_embeddings: Tensor,
    /// Each position's embedding plus the (single) token type's, one row per position.
    positions: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
}

struct Layer {
    /// Query, key and value stacked: `[3 × hidden, hidden]`, the query's rows pre-scaled.
    query_key_value: Dense,
    attention_output: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

/// A linear layer: `weight` as PyTorch stores it (`[outputs, inputs]`); the bias is added
/// by the fused pass after the multiply.
struct Dense {
    weight: Tensor,
    bias: Vec<f32>,
}

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl Encoder {
    /// Loads a BERT checkpoint (`embeddings.*`, `encoder.layer.N.*`, with or without a
    /// `bert.` prefix) whose activation is the exact GELU, as all-MiniLM-L6-v2's is.
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        if config.hidden_act != HiddenAct::Gelu {
            bail!("the encoder implements BERT with the exact GELU, not {:?}", config.hidden_act);
        }
        if config.hidden_size % config.num_attention_heads != 0 {
            bail!(
                "hidden size {} is not a multiple of {} heads",
                config.hidden_size,
                config.num_attention_heads
            );
        }
        let vb = match vb.contains_tensor("embeddings.word_embeddings.weight") {
            true => vb,
            false => vb.pp("bert"),
        };
        let hidden = config.hidden_size;
        let eps = config.layer_norm_eps as f32;
        let embeddings = vb.pp("embeddings");
        let token_type =
            embeddings.get((config.type_vocab_size, hidden), "token_type_embeddings.weight")?.get(0)?;
        let positions = embeddings
            .get((config.max_position_embeddings, hidden), "position_embeddings.weight")?
            .broadcast_add(&token_type)?
            .flatten_all()?
            .to_vec1()?;
        let scale = 1.0 / ((hidden / config.num_attention_heads) as f64).sqrt();
        let layers = (0..config.num_hidden_layers)
            .map(|n| {
                let layer = vb.pp(format!("encoder.layer.{n}"));
                let dense = |name: &str, inputs, outputs| Dense::load(&layer.pp(name), inputs, outputs);
                let norm = |name: &str| Norm::load(&layer.pp(name), hidden, eps);
                let [query, key, value] = ["query", "key", "value"]
                    .map(|name| dense(&format!("attention.self.{name}"), hidden, hidden));
                Ok(Layer {
                    query_key_value: Dense::stack(query?.scaled(scale)?, key?, value?)?,
                    attention_output: dense("attention.output.dense", hidden, hidden)?,
                    attention_norm: norm("attention.output.LayerNorm")?,
                    intermediate: dense("intermediate.dense", hidden, config.intermediate_size)?,
                    output: dense("output.dense", config.intermediate_size, hidden)?,
                    output_norm: norm("output.LayerNorm")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            word_embeddings: embeddings.get((config.vocab_size, hidden), "word_embeddings.weight")?,
            positions,
            embedding_norm: Norm::load(&embeddings.pp("LayerNorm"), hidden, eps)?,
            layers,
            hidden,
            heads: config.num_attention_heads,
        })
    }

    /// Hidden states `[batch, tokens, hidden]` of `ids` (`[batch, tokens]`, u32), where
    /// text `b` is `lengths[b]` real tokens followed by padding. Padding takes no part in
    /// any real token's attention; its own rows hold values of no meaning.
    pub fn forward(&self, ids: &Tensor, lengths: &[usize]) -> Result<Tensor> {
        let (batch, tokens) = ids.dims2()?;
        if lengths.len() != batch || lengths.iter().any(|&n| n == 0 || n > tokens) {
            bail!("lengths {lengths:?} do not fit a batch of {batch} × {tokens} tokens");
        }
        if tokens * self.hidden > self.positions.len() {
            bail!("{tokens} tokens is more than the model's positions");
        }
        let mut x = self.word_embeddings.index_select(&ids.flatten_all()?, 0)?;
        x.inplace_op1(&AddPositionsAndNormalise {
            positions: &self.positions,
            tokens,
            norm: &self.embedding_norm,
        })?;
        let softmax = MaskedSoftmax { lengths, heads: self.heads, tokens };
        for layer in &self.layers {
            let query_key_value = layer.query_key_value.multiply(&x)?;
            query_key_value.inplace_op1(&AddBias(&layer.query_key_value.bias))?;
            let context = self.attention(&query_key_value, batch, tokens, &softmax)?;
            let attended = layer.attention_output.multiply(&context)?;
            attended.inplace_op2(
                &x,
                &AddBiasAndResidualThenNormalise(&layer.attention_output.bias, &layer.attention_norm),
            )?;
            let inner = layer.intermediate.multiply(&attended)?;
            inner.inplace_op1(&AddBiasThenGelu(&layer.intermediate.bias))?;
            x = layer.output.multiply(&inner)?;
            x.inplace_op2(
                &attended,
                &AddBiasAndResidualThenNormalise(&layer.output.bias, &layer.output_norm),
            )?;
        }
        x.reshape((batch, tokens, self.hidden))
    }

    /// Multi-head self-attention: `[batch × tokens, 3 × hidden]` in, `[batch × tokens, hidden]` out.
    fn attention(
        &self,
        query_key_value: &Tensor,
        batch: usize,
        tokens: usize,
        softmax: &MaskedSoftmax,
    ) -> Result<Tensor> {
        let head = self.hidden / self.heads;
        // [3, batch, heads, tokens, head]
        let split = query_key_value
            .reshape((batch, tokens, 3, self.heads, head))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let (query, key, value) = (split.get(0)?, split.get(1)?, split.get(2)?);
        let scores = query.matmul(&key.t()?)?;
        scores.inplace_op1(softmax)?;
        scores.matmul(&value)?.transpose(1, 2)?.contiguous()?.reshape((batch * tokens, self.hidden))
    }
}

impl Dense {
    fn load(vb: &VarBuilder, inputs: usize, outputs: usize) -> Result<Self> {
        Ok(Self { weight: vb.get((outputs, inputs), "weight")?, bias: vb.get(outputs, "bias")?.to_vec1()? })
    }

    fn scaled(self, scale: f64) -> Result<Self> {
        let bias = self.bias.iter().map(|b| b * scale as f32).collect();
        Ok(Self { weight: (self.weight * scale)?, bias })
    }

    fn stack(first: Self, second: Self, third: Self) -> Result<Self> {
        Ok(Self {
            weight: Tensor::cat(&[&first.weight, &second.weight, &third.weight], 0)?,
            bias: [first.bias, second.bias, third.bias].concat(),
        })
    }

    /// `input · weightᵀ`, without the bias.
    fn multiply(&self, input: &Tensor) -> Result<Tensor> {
        input.matmul(&self.weight.t()?)
    }
}

impl Norm {
    fn load(vb: &VarBuilder, hidden: usize, eps: f32) -> Result<Self> {
        Ok(Self {
            weight: vb.get(hidden, "weight")?.to_vec1()?,
            bias: vb.get(hidden, "bias")?.to_vec1()?,
            eps,
        })
    }

    /// Layer norm of one row, in place.
    fn apply(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = row.iter().sum::<f32>() / n;
        let variance = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        let scale = 1.0 / (variance + self.eps).sqrt();
        for ((x, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
            *x = (*x - mean) * scale * w + b;
        }
    }
}

/// Where a contiguous tensor's elements lie in its storage.
fn span(layout: &Layout, op: &str) -> Result<std::ops::Range<usize>> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(start..end),
        None => bail!("{op}: the tensor is not contiguous"),
    }
}

/// The f32 elements of a contiguous tensor, to change in place.
fn values<'a>(storage: &'a mut CpuStorage, layout: &Layout, op: &str) -> Result<&'a mut [f32]> {
    let span = span(layout, op)?;
    match storage {
        CpuStorage::F32(data) => Ok(&mut data[span]),
        other => bail!("{op}: expected f32, got {:?}", other.dtype()),
    }
}

/// Word embeddings in, each row plus its position's embedding, layer-normed, out.
struct AddPositionsAndNormalise<'a> {
    positions: &'a [f32],
    tokens: usize,
    norm: &'a Norm,
}

impl candle_core::InplaceOp1 for AddPositionsAndNormalise<'_> {
    fn name(&self) -> &'static str {
        "add-positions-then-normalise"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let hidden = self.norm.weight.len();
        values(storage, layout, self.name())?.par_chunks_mut(hidden).enumerate().for_each(|(row, x)| {
            let position = &self.positions[(row % self.tokens) * hidden..][..hidden];
            x.iter_mut().zip(position).for_each(|(x, p)| *x += p);
            self.norm.apply(x);
        });
        Ok(())
    }
}

/// Each row plus the bias.
struct AddBias<'a>(&'a [f32]);

impl candle_core::InplaceOp1 for AddBias<'_> {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        values(storage, layout, self.name())?.par_chunks_mut(self.0.len()).for_each(|x| {
            x.iter_mut().zip(self.0).for_each(|(x, b)| *x += b);
        });
        Ok(())
    }
}

/// Each row plus the bias and the same row of the residual (the second tensor), then
/// layer-normed.
struct AddBiasAndResidualThenNormalise<'a>(&'a [f32], &'a Norm);

impl candle_core::InplaceOp2 for AddBiasAndResidualThenNormalise<'_> {
    fn name(&self) -> &'static str {
        "add-bias-and-residual-then-normalise"
    }

    fn cpu_fwd(&self, s1: &mut CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<()> {
        let hidden = self.0.len();
        let (x, residual) = (values(s1, l1, self.name())?, &s2.as_slice::<f32>()?[span(l2, self.name())?]);
        if x.len() != residual.len() {
            bail!("{}: {} values and a residual of {}", self.name(), x.len(), residual.len());
        }
        x.par_chunks_mut(hidden).zip(residual.par_chunks(hidden)).for_each(|(x, residual)| {
            x.iter_mut().zip(self.0).zip(residual).for_each(|((x, b), r)| *x += b + r);
            self.1.apply(x);
        });
        Ok(())
    }
}

/// Each row plus the bias, through the exact GELU: `x · (1 + erf(x / √2)) / 2`.
struct AddBiasThenGelu<'a>(&'a [f32]);

impl candle_core::InplaceOp1 for AddBiasThenGelu<'_> {
    fn name(&self) -> &'static str {
        "add-bias-then-gelu"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        values(storage, layout, self.name())?.par_chunks_mut(self.0.len()).for_each(|x| {
            x.iter_mut().zip(self.0).for_each(|(x, b)| {
                let v = *x + b;
                *x = 0.5 * v * (1.0 + erf(v * std::f32::consts::FRAC_1_SQRT_2));
            });
        });
        Ok(())
    }
}

/// `erf` as a ratio of two polynomials over the input clamped to ±4 (where `erf` is ±1 in
/// f32), the approximation Eigen vectorises: within 1e-6 of the exact function everywhere,
/// and without branches, so a loop over it compiles to vector instructions.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let p = [
        -2.726_142e-10,
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ]
    .iter()
    .fold(0.0, |p, c| p * x2 + c);
    let q = [-1.456_607_2e-5, -2.133_740_6e-4, -1.682_827e-3, -7.373_329_2e-3, -1.426_473_9e-2]
        .iter()
        .fold(0.0, |q, c| q * x2 + c);
    x * p / q
}

/// Attention scores `[batch, heads, tokens, tokens]` in, each query's softmax over its
/// text's real tokens out (padding's weights are 0).
struct MaskedSoftmax<'a> {
    lengths: &'a [usize],
    heads: usize,
    tokens: usize,
}

impl candle_core::InplaceOp1 for MaskedSoftmax<'_> {
    fn name(&self) -> &'static str {
        "masked-softmax"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let rows_per_text = self.heads * self.tokens;
        values(storage, layout, self.name())?.par_chunks_mut(self.tokens).enumerate().for_each(
            |(row, scores)| {
                let (real, padding) = scores.split_at_mut(self.lengths[row / rows_per_text]);
                let max = real.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                for s in real.iter_mut() {
                    *s = (*s - max).exp();
                    sum += *s;
                }
                real.iter_mut().for_each(|s| *s /= sum);
                padding.fill(0.0);
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn erf_is_within_a_millionth_of_the_exact_function() {
        let mut worst = 0f64;
        for i in -60_000..=60_000 {
            let x = i as f32 / 10_000.0;
            worst = worst.max((super::erf(x) as f64 - candle_core::cpu::erf::erf_f64(x as f64)).abs());
        }
        assert!(worst < 1e-6, "worst error {worst}");
    }
}
