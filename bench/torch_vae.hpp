#pragma once
// libtorch baselines for the same VAE training steps as manual_vae.hpp.
// Torch is row-major with batch first: an Eigen features x batch column-major matrix has the
// same memory layout as a [batch, features] torch tensor, so inputs are wrapped, not copied.
// Weights are copied once into [out, in] leaf tensors, as torch::nn::Linear keeps them.
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "manual_vae.hpp"

namespace ppl_bench {

namespace torch_detail {

// Eigen out x in (column-major) -> contiguous [out, in] tensor that requires grad.
inline torch::Tensor weight_to_torch(const Eigen::MatrixXf& w) {
    const auto t = torch::from_blob(const_cast<float*>(w.data()), {w.cols(), w.rows()}, torch::kFloat);
    return t.t().clone(at::MemoryFormat::Contiguous).requires_grad_(true);
}

// Eigen out x 1 -> [out] tensor that requires grad.
inline torch::Tensor bias_to_torch(const Eigen::MatrixXf& b) {
    return torch::from_blob(const_cast<float*>(b.data()), {b.size()}, torch::kFloat).clone().requires_grad_(true);
}

// [out, in] or [out] tensor -> Eigen out x in or out x 1.
inline Eigen::MatrixXf to_eigen(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().contiguous();
    const Eigen::Index rows = c.size(0), cols = c.dim() == 2 ? c.size(1) : 1;
    using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    return Eigen::Map<const row_major>(c.data_ptr<float>(), rows, cols);
}

// features x batch Eigen matrix viewed as a [batch, features] tensor (no copy, no grad).
inline torch::Tensor wrap_batch(const Eigen::MatrixXf& m) {
    return torch::from_blob(const_cast<float*>(m.data()), {m.cols(), m.rows()}, torch::kFloat);
}

inline torch::optim::AdamOptions adam_options() {
    return torch::optim::AdamOptions(1e-3).betas(std::make_tuple(0.9, 0.999)).eps(1e-8);
}

// Weight/bias tensors in the order of W::params(), from an Eigen weight struct.
template <class W>
std::vector<torch::Tensor> params_to_torch(const W& w) {
    std::vector<torch::Tensor> out;
    const auto ps = w.params();
    for (std::size_t i = 0; i < ps.size(); ++i)
        out.push_back(i % 2 == 0 ? weight_to_torch(*ps[i]) : bias_to_torch(*ps[i]));
    return out;
}

template <class W>
W params_to_eigen(const std::vector<torch::Tensor>& ts, bool grads) {
    W w;
    auto ps = w.params();
    for (std::size_t i = 0; i < ps.size(); ++i) *ps[i] = to_eigen(grads ? ts[i].grad() : ts[i]);
    return w;
}

}  // namespace torch_detail

/// Continuous VAE in libtorch; parameter order as vae_weights::params().
class torch_vae {
public:
    explicit torch_vae(const vae_weights& w)
        : p_(torch_detail::params_to_torch(w)), opt_(p_, torch_detail::adam_options()) {}

    float loss_and_grads(const Eigen::MatrixXf& x, const Eigen::MatrixXf& eps) {
        opt_.zero_grad();
        torch::Tensor loss = forward(x, eps);
        loss.backward();
        return loss.item<float>();
    }

    float step(const Eigen::MatrixXf& x, const Eigen::MatrixXf& eps) {
        const float loss = loss_and_grads(x, eps);
        opt_.step();
        return loss;
    }

    vae_weights grads() const { return torch_detail::params_to_eigen<vae_weights>(p_, true); }
    vae_weights weights() const { return torch_detail::params_to_eigen<vae_weights>(p_, false); }

private:
    torch::Tensor forward(const Eigen::MatrixXf& x, const Eigen::MatrixXf& eps) {
        namespace F = torch::nn::functional;
        const torch::Tensor xt = torch_detail::wrap_batch(x), et = torch_detail::wrap_batch(eps);
        const torch::Tensor h = torch::relu(F::linear(xt, p_[0], p_[1]));
        const torch::Tensor mu = F::linear(h, p_[2], p_[3]);
        const torch::Tensor logvar = F::linear(h, p_[4], p_[5]);
        const torch::Tensor z = mu + torch::exp(0.5 * logvar) * et;
        const torch::Tensor d = torch::relu(F::linear(z, p_[6], p_[7]));
        const torch::Tensor logits = F::linear(d, p_[8], p_[9]);
        const torch::Tensor bce =
            F::binary_cross_entropy_with_logits(logits, xt, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
        const torch::Tensor kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum();
        return (bce + kl) / static_cast<double>(x.cols());
    }

    std::vector<torch::Tensor> p_;
    torch::optim::Adam opt_;
};

/// Categorical VAE in libtorch; parameter order as cat_vae_weights::params().
class torch_cat_vae {
public:
    static constexpr int64_t K = cat_classes;

    explicit torch_cat_vae(const cat_vae_weights& w)
        : p_(torch_detail::params_to_torch(w)), opt_(p_, torch_detail::adam_options()) {}

    float loss_and_grads(const Eigen::MatrixXf& x, const Eigen::MatrixXf& gumbel, float tau) {
        opt_.zero_grad();
        torch::Tensor loss = forward(x, gumbel, tau);
        loss.backward();
        return loss.item<float>();
    }

    float step(const Eigen::MatrixXf& x, const Eigen::MatrixXf& gumbel, float tau) {
        const float loss = loss_and_grads(x, gumbel, tau);
        opt_.step();
        return loss;
    }

    cat_vae_weights grads() const { return torch_detail::params_to_eigen<cat_vae_weights>(p_, true); }
    cat_vae_weights weights() const { return torch_detail::params_to_eigen<cat_vae_weights>(p_, false); }

private:
    torch::Tensor forward(const Eigen::MatrixXf& x, const Eigen::MatrixXf& gumbel, float tau) {
        namespace F = torch::nn::functional;
        const int64_t B = x.cols(), G = gumbel.rows() / K;
        const torch::Tensor xt = torch_detail::wrap_batch(x), gt = torch_detail::wrap_batch(gumbel).view({B, G, K});
        const torch::Tensor h = torch::relu(F::linear(xt, p_[0], p_[1]));
        const torch::Tensor logits_q = F::linear(h, p_[2], p_[3]).view({B, G, K});
        const torch::Tensor y = torch::softmax((logits_q + gt) / static_cast<double>(tau), -1).view({B, G * K});
        const torch::Tensor d = torch::relu(F::linear(y, p_[4], p_[5]));
        const torch::Tensor logits = F::linear(d, p_[6], p_[7]);
        const torch::Tensor bce =
            F::binary_cross_entropy_with_logits(logits, xt, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
        const torch::Tensor log_q = torch::log_softmax(logits_q, -1);
        const torch::Tensor kl = (log_q.exp() * (log_q + std::log(static_cast<double>(K)))).sum();
        return (bce + kl) / static_cast<double>(B);
    }

    std::vector<torch::Tensor> p_;
    torch::optim::Adam opt_;
};

}  // namespace ppl_bench
