#pragma once
// Hand-written Eigen baselines: one VAE training step (forward ELBO, backward, Adam), fp32.
// Layout is features x batch (one column per sample); weights are out x in, biases out x 1.
// All buffers live in the model object, so after the first step at a given batch size a step
// does no heap allocation of its own (BLAS may keep its own work buffers).
#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

namespace ppl_bench {

namespace detail {

using Eigen::Index;
using Eigen::MatrixXf;

// w (out x in) and b (out x 1), both U(-1/sqrt(in), 1/sqrt(in)) as torch.nn.Linear does.
inline void init_linear(std::mt19937& rng, MatrixXf& w, MatrixXf& b, Index in, Index out) {
    const float a = 1.0f / std::sqrt(static_cast<float>(in));
    std::uniform_real_distribution<float> u(-a, a);
    w.resize(out, in);
    b.resize(out, 1);
    for (Index i = 0; i < w.size(); ++i) w(i) = u(rng);
    for (Index i = 0; i < b.size(); ++i) b(i) = u(rng);
}

// y = max(y + b, 0), b broadcast over columns.
inline void add_bias_relu(MatrixXf& y, const MatrixXf& b) {
    y.array() = (y.array().colwise() + b.col(0).array()).max(0.0f);
}

inline void add_bias(MatrixXf& y, const MatrixXf& b) { y.colwise() += b.col(0); }

// g = a > 0 ? g : 0 (relu backward, a = relu output). A plain loop, since Eigen 3.4 does not
// vectorize select(); g++ -O3 turns this into blends.
inline void relu_mask(MatrixXf& g, const MatrixXf& a) {
    float* __restrict gp = g.data();
    const float* __restrict ap = a.data();
    const Index n = g.size();
    for (Index i = 0; i < n; ++i) gp[i] = ap[i] > 0.0f ? gp[i] : 0.0f;
}

// Returns sum of BCE-with-logits(l, t) and overwrites l with s * (sigmoid(l) - t).
inline float bce_with_logits_sum_and_grad(MatrixXf& l, const MatrixXf& t, float s) {
    auto L = l.array();
    const auto T = t.array();
    const float sum = (L.max(0.0f) - L * T + (-L.abs()).exp().log1p()).sum();
    L = (L.logistic() - T) * s;
    return sum;
}

// Adam with PyTorch semantics over any weight struct exposing params().
template <class Weights>
class adam {
public:
    explicit adam(const Weights& like) : m_(like), v_(like) {
        for (auto* p : m_.params()) p->setZero();
        for (auto* p : v_.params()) p->setZero();
    }

    void update(Weights& w, const Weights& g) {
        ++t_;
        const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(t_));
        const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(t_));
        const float step_size = static_cast<float>(lr / bc1);
        const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
        auto wp = w.params();
        const auto gp = g.params();
        auto mp = m_.params();
        auto vp = v_.params();
        for (std::size_t i = 0; i < wp.size(); ++i) update_one(*wp[i], *gp[i], *mp[i], *vp[i], step_size, inv_sqrt_bc2);
    }

    static constexpr double lr = 1e-3, beta1 = 0.9, beta2 = 0.999;
    static constexpr float eps = 1e-8f;

private:
    // Works in L1-sized chunks so m, v and p are each streamed through memory once. Multiplies by
    // 1/sqrt(bc2) where torch divides by sqrt(bc2): about 1 ulp apart, and about 20% faster.
    static void update_one(MatrixXf& p, const MatrixXf& g, MatrixXf& m, MatrixXf& v, float step_size, float inv_sqrt_bc2) {
        constexpr Index chunk = 1024;
        // 1 - beta in double, then rounded, as torch does (1 - 0.999f is off by 1.3e-5 relative)
        constexpr float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
        constexpr float c1 = static_cast<float>(1.0 - beta1), c2 = static_cast<float>(1.0 - beta2);
        const Index n = p.size();
        for (Index off = 0; off < n; off += chunk) {
            const Index len = std::min(chunk, n - off);
            Eigen::Map<Eigen::ArrayXf> P(p.data() + off, len), M(m.data() + off, len), V(v.data() + off, len);
            const Eigen::Map<const Eigen::ArrayXf> G(g.data() + off, len);
            M = b1 * M + c1 * G;
            V = b2 * V + c2 * G.square();
            P -= step_size * M / (V.sqrt() * inv_sqrt_bc2 + eps);
        }
    }

    Weights m_, v_;
    long t_ = 0;
};

}  // namespace detail

inline constexpr Eigen::Index vae_x_dim = 784, vae_hidden = 400, vae_latent = 20;
inline constexpr Eigen::Index cat_groups = 10, cat_classes = 20;

/// Continuous VAE 784-400-20 weights (also used for gradients).
struct vae_weights {
    Eigen::MatrixXf enc_w, enc_b, mu_w, mu_b, lv_w, lv_b, d1_w, d1_b, d2_w, d2_b;

    std::array<Eigen::MatrixXf*, 10> params() { return {&enc_w, &enc_b, &mu_w, &mu_b, &lv_w, &lv_b, &d1_w, &d1_b, &d2_w, &d2_b}; }
    std::array<const Eigen::MatrixXf*, 10> params() const {
        return {&enc_w, &enc_b, &mu_w, &mu_b, &lv_w, &lv_b, &d1_w, &d1_b, &d2_w, &d2_b};
    }
    static constexpr std::array<const char*, 10> names{"enc_w", "enc_b", "mu_w", "mu_b", "lv_w", "lv_b", "d1_w", "d1_b", "d2_w", "d2_b"};

    static vae_weights random(unsigned seed) {
        std::mt19937 rng{seed};
        vae_weights w;
        detail::init_linear(rng, w.enc_w, w.enc_b, vae_x_dim, vae_hidden);
        detail::init_linear(rng, w.mu_w, w.mu_b, vae_hidden, vae_latent);
        detail::init_linear(rng, w.lv_w, w.lv_b, vae_hidden, vae_latent);
        detail::init_linear(rng, w.d1_w, w.d1_b, vae_latent, vae_hidden);
        detail::init_linear(rng, w.d2_w, w.d2_b, vae_hidden, vae_x_dim);
        return w;
    }
};

/// Categorical VAE weights: 784-400-(10x20) encoder, (10x20)-400-784 decoder.
struct cat_vae_weights {
    Eigen::MatrixXf e1_w, e1_b, e2_w, e2_b, d1_w, d1_b, d2_w, d2_b;

    std::array<Eigen::MatrixXf*, 8> params() { return {&e1_w, &e1_b, &e2_w, &e2_b, &d1_w, &d1_b, &d2_w, &d2_b}; }
    std::array<const Eigen::MatrixXf*, 8> params() const { return {&e1_w, &e1_b, &e2_w, &e2_b, &d1_w, &d1_b, &d2_w, &d2_b}; }
    static constexpr std::array<const char*, 8> names{"e1_w", "e1_b", "e2_w", "e2_b", "d1_w", "d1_b", "d2_w", "d2_b"};

    static cat_vae_weights random(unsigned seed) {
        std::mt19937 rng{seed};
        cat_vae_weights w;
        constexpr Eigen::Index code = cat_groups * cat_classes;
        detail::init_linear(rng, w.e1_w, w.e1_b, vae_x_dim, vae_hidden);
        detail::init_linear(rng, w.e2_w, w.e2_b, vae_hidden, code);
        detail::init_linear(rng, w.d1_w, w.d1_b, code, vae_hidden);
        detail::init_linear(rng, w.d2_w, w.d2_b, vae_hidden, vae_x_dim);
        return w;
    }
};

/// Continuous VAE: Gaussian encoder, reparameterised z = mu + sigma * eps, Bernoulli decoder.
class manual_vae {
public:
    explicit manual_vae(const vae_weights& w) : w_(w), g_(w), opt_(w) {
        for (auto* p : g_.params()) p->setZero();
    }

    /// Loss (negative ELBO per sample) and its gradients, stored in grads().
    float loss_and_grads(const Eigen::MatrixXf& x, const Eigen::MatrixXf& eps) {
        using detail::relu_mask;
        const Eigen::Index B = x.cols();
        const float s = 1.0f / static_cast<float>(B);
        resize(B);

        // forward
        h_.noalias() = w_.enc_w * x;
        detail::add_bias_relu(h_, w_.enc_b);
        mu_.noalias() = w_.mu_w * h_;
        detail::add_bias(mu_, w_.mu_b);
        lv_.noalias() = w_.lv_w * h_;
        detail::add_bias(lv_, w_.lv_b);
        sigma_.array() = (0.5f * lv_.array()).exp();
        z_.array() = mu_.array() + sigma_.array() * eps.array();
        const float kl = 0.5f * (mu_.array().square() + sigma_.array().square() - 1.0f - lv_.array()).sum();
        d_.noalias() = w_.d1_w * z_;
        detail::add_bias_relu(d_, w_.d1_b);
        logits_.noalias() = w_.d2_w * d_;
        detail::add_bias(logits_, w_.d2_b);
        const float bce = detail::bce_with_logits_sum_and_grad(logits_, x, s);  // logits_ now holds dloss/dlogits

        // backward
        g_.d2_w.noalias() = logits_ * d_.transpose();
        g_.d2_b.noalias() = logits_.rowwise().sum();
        dd_.noalias() = w_.d2_w.transpose() * logits_;
        relu_mask(dd_, d_);
        g_.d1_w.noalias() = dd_ * z_.transpose();
        g_.d1_b.noalias() = dd_.rowwise().sum();
        dz_.noalias() = w_.d1_w.transpose() * dd_;
        // KL: d/dmu = s*mu, d/dlv = s*0.5*(sigma^2 - 1); reparameterisation: dz/dlv = 0.5*sigma*eps
        dmu_.array() = dz_.array() + s * mu_.array();
        dlv_.array() = 0.5f * (dz_.array() * sigma_.array() * eps.array() + s * (sigma_.array().square() - 1.0f));
        g_.mu_w.noalias() = dmu_ * h_.transpose();
        g_.mu_b.noalias() = dmu_.rowwise().sum();
        g_.lv_w.noalias() = dlv_ * h_.transpose();
        g_.lv_b.noalias() = dlv_.rowwise().sum();
        dh_.noalias() = w_.mu_w.transpose() * dmu_;
        dh_.noalias() += w_.lv_w.transpose() * dlv_;
        relu_mask(dh_, h_);
        g_.enc_w.noalias() = dh_ * x.transpose();
        g_.enc_b.noalias() = dh_.rowwise().sum();
        return (bce + kl) * s;
    }

    /// Forward, backward and one Adam update; returns the loss before the update.
    float step(const Eigen::MatrixXf& x, const Eigen::MatrixXf& eps) {
        const float loss = loss_and_grads(x, eps);
        opt_.update(w_, g_);
        return loss;
    }

    const vae_weights& grads() const { return g_; }
    const vae_weights& weights() const { return w_; }

private:
    void resize(Eigen::Index B) {  // no-op when B is unchanged
        const Eigen::Index H = w_.enc_w.rows(), Z = w_.mu_w.rows(), D = w_.d1_w.rows(), X = w_.d2_w.rows();
        h_.resize(H, B);
        dh_.resize(H, B);
        for (auto* m : {&mu_, &lv_, &sigma_, &z_, &dz_, &dmu_, &dlv_}) m->resize(Z, B);
        d_.resize(D, B);
        dd_.resize(D, B);
        logits_.resize(X, B);
    }

    vae_weights w_, g_;
    detail::adam<vae_weights> opt_;
    Eigen::MatrixXf h_, mu_, lv_, sigma_, z_, d_, logits_, dd_, dz_, dmu_, dlv_, dh_;
};

/// Categorical VAE: 10 groups of 20 classes, Gumbel-softmax relaxation, uniform prior.
class manual_cat_vae {
public:
    static constexpr int K = static_cast<int>(cat_classes);

    explicit manual_cat_vae(const cat_vae_weights& w) : w_(w), g_(w), opt_(w) {
        for (auto* p : g_.params()) p->setZero();
    }

    /// gumbel: Gumbel(0,1) noise, (groups*K) x B, group g in rows K*g .. K*g+K-1.
    float loss_and_grads(const Eigen::MatrixXf& x, const Eigen::MatrixXf& gumbel, float tau) {
        using detail::relu_mask;
        using Vec = Eigen::Array<float, K, 1>;
        const Eigen::Index B = x.cols();
        const float s = 1.0f / static_cast<float>(B);
        const float inv_tau = 1.0f / tau;
        const float log_k = std::log(static_cast<float>(K));
        resize(B);

        // forward: encoder
        a1_.noalias() = w_.e1_w * x;
        detail::add_bias_relu(a1_, w_.e1_b);
        lq_.noalias() = w_.e2_w * a1_;
        detail::add_bias(lq_, w_.e2_b);

        // per group: KL(q || uniform), its gradient wrt the logits (kept in klg_), relaxed sample y
        const Eigen::Index n_groups = lq_.size() / K;  // groups are contiguous K-blocks in memory
        float kl = 0.0f;
        for (Eigen::Index c = 0; c < n_groups; ++c) {
            const Eigen::Map<const Vec> l(lq_.data() + c * K), gn(gumbel.data() + c * K);
            Eigen::Map<Vec> y(y_.data() + c * K), klg(klg_.data() + c * K);
            const float m = l.maxCoeff();
            const Vec e = (l - m).exp();
            const float sum_e = e.sum();
            const Vec logq = l - (m + std::log(sum_e));
            const Vec q = e / sum_e;
            const float neg_ent = (q * logq).sum();
            kl += neg_ent + log_k;  // sum_k q_k (log q_k + log K), with sum_k q_k = 1
            klg = s * q * (logq - neg_ent);
            const Vec u = (l + gn) * inv_tau;
            const Vec eu = (u - u.maxCoeff()).exp();
            y = eu / eu.sum();
        }

        // forward: decoder
        d_.noalias() = w_.d1_w * y_;
        detail::add_bias_relu(d_, w_.d1_b);
        logits_.noalias() = w_.d2_w * d_;
        detail::add_bias(logits_, w_.d2_b);
        const float bce = detail::bce_with_logits_sum_and_grad(logits_, x, s);  // logits_ now holds dloss/dlogits

        // backward
        g_.d2_w.noalias() = logits_ * d_.transpose();
        g_.d2_b.noalias() = logits_.rowwise().sum();
        dd_.noalias() = w_.d2_w.transpose() * logits_;
        relu_mask(dd_, d_);
        g_.d1_w.noalias() = dd_ * y_.transpose();
        g_.d1_b.noalias() = dd_.rowwise().sum();
        dlq_.noalias() = w_.d1_w.transpose() * dd_;  // dloss/dy, turned into dloss/dlogits_q in place
        for (Eigen::Index c = 0; c < n_groups; ++c) {
            const Eigen::Map<const Vec> y(y_.data() + c * K), klg(klg_.data() + c * K);
            Eigen::Map<Vec> dl(dlq_.data() + c * K);
            const Vec yd = y * dl;
            dl = (yd - y * yd.sum()) * inv_tau + klg;
        }
        g_.e2_w.noalias() = dlq_ * a1_.transpose();
        g_.e2_b.noalias() = dlq_.rowwise().sum();
        da1_.noalias() = w_.e2_w.transpose() * dlq_;
        relu_mask(da1_, a1_);
        g_.e1_w.noalias() = da1_ * x.transpose();
        g_.e1_b.noalias() = da1_.rowwise().sum();
        return (bce + kl) * s;
    }

    float step(const Eigen::MatrixXf& x, const Eigen::MatrixXf& gumbel, float tau) {
        const float loss = loss_and_grads(x, gumbel, tau);
        opt_.update(w_, g_);
        return loss;
    }

    const cat_vae_weights& grads() const { return g_; }
    const cat_vae_weights& weights() const { return w_; }

private:
    void resize(Eigen::Index B) {  // no-op when B is unchanged
        const Eigen::Index H = w_.e1_w.rows(), C = w_.e2_w.rows(), D = w_.d1_w.rows(), X = w_.d2_w.rows();
        a1_.resize(H, B);
        da1_.resize(H, B);
        lq_.resize(C, B);
        klg_.resize(C, B);
        y_.resize(C, B);
        dlq_.resize(C, B);
        d_.resize(D, B);
        dd_.resize(D, B);
        logits_.resize(X, B);
    }

    cat_vae_weights w_, g_;
    detail::adam<cat_vae_weights> opt_;
    Eigen::MatrixXf a1_, da1_, lq_, klg_, y_, dlq_, d_, dd_, logits_;
};

}  // namespace ppl_bench
