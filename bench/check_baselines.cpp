// Checks that the hand-written Eigen and the libtorch VAE baselines agree: same loss and
// gradients for the same weights, data and noise (max|a - b| / max|b| per tensor, b = torch),
// the same Adam update for identical gradients, and the same training run over a few steps.
// Exits 1 if any reported difference exceeds 1e-3.
// Over several full steps elementwise weight differences are not a fair test: Adam maps a
// gradient entry g to about lr * g / (|g| + 1e-8), so entries with |g| near 1e-8 (batch sums
// that nearly cancel) turn 1e-7 relative gradient noise into O(lr) weight differences. For full
// runs the check is the loss and the norm-wise relative difference of the total weight change.
// Built by hand (it is not a CMake target):
//   g++ -std=c++20 -O2 -march=native -mno-avx512f -DEIGEN_USE_BLAS -isystem /usr/include/eigen3
//       -isystem /usr/include/torch/csrc/api/include bench/check_baselines.cpp -o /tmp/check_baselines
//       -lopenblas -ltorch -ltorch_cpu -lc10
#include <cstdio>
#include <random>

#include "manual_vae.hpp"
#include "torch_vae.hpp"

namespace {

using namespace ppl_bench;

constexpr double tolerance = 1e-3;
bool ok = true;

double rel_diff(const Eigen::MatrixXf& a, const Eigen::MatrixXf& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e30;
    const double scale = b.cwiseAbs().maxCoeff();
    return (a - b).cwiseAbs().maxCoeff() / (scale > 0 ? scale : 1.0);
}

void report(const char* what, double rel) {
    std::printf("  %-22s %.3e%s\n", what, rel, rel > tolerance ? "  FAIL" : "");
    if (rel > tolerance) ok = false;
}

void report_loss(const char* what, float a, float b) {
    char label[64];
    std::snprintf(label, sizeof label, "%s (%.6f)", what, b);
    report(label, std::abs(double(a) - double(b)) / std::abs(double(b)));
}

template <class W>
void compare(const char* prefix, const W& a, const W& b) {
    const auto pa = a.params();
    const auto pb = b.params();
    for (std::size_t i = 0; i < pa.size(); ++i) {
        char label[64];
        std::snprintf(label, sizeof label, "%s %s", prefix, W::names[i]);
        report(label, rel_diff(*pa[i], *pb[i]));
    }
}

// ||(a - w0) - (b - w0)|| / ||b - w0||, the relative difference of the total updates.
double rel_update_diff(const Eigen::MatrixXf& a, const Eigen::MatrixXf& b, const Eigen::MatrixXf& w0) {
    return (a - b).norm() / (b - w0).norm();
}

template <class W>
void compare_updates(const W& a, const W& b, const W& w0) {
    const auto pa = a.params();
    const auto pb = b.params();
    const auto p0 = w0.params();
    for (std::size_t i = 0; i < pa.size(); ++i) {
        char label[64];
        std::snprintf(label, sizeof label, "update %s", W::names[i]);
        std::printf("  %-22s %.3e   (max elementwise %.3e, info only)\n", label, rel_update_diff(*pa[i], *pb[i], *p0[i]),
                    rel_diff(*pa[i] - *p0[i], *pb[i] - *p0[i]));
        if (rel_update_diff(*pa[i], *pb[i], *p0[i]) > tolerance) {
            std::printf("  FAIL\n");
            ok = false;
        }
    }
}

// Adam alone: manual adam and torch::optim::Adam fed the same gradients for a few steps.
template <class W>
void check_adam(const W& w, const W& g) {
    std::printf("Adam alone, same gradients, 5 steps\n");
    W wm = w;
    ppl_bench::detail::adam<W> am{w};
    std::vector<torch::Tensor> pt = torch_detail::params_to_torch(w);
    torch::optim::Adam at{pt, torch_detail::adam_options()};
    for (int step = 1; step <= 5; ++step) {
        W gs = g;
        for (auto* p : gs.params()) *p *= 1.0f / static_cast<float>(step);  // vary the gradient a bit
        am.update(wm, gs);
        const std::vector<torch::Tensor> gt = torch_detail::params_to_torch(gs);
        for (std::size_t i = 0; i < pt.size(); ++i) pt[i].mutable_grad() = gt[i].detach();
        at.step();
    }
    compare("weight", wm, torch_detail::params_to_eigen<W>(pt, false));
}

Eigen::MatrixXf uniform(std::mt19937& rng, Eigen::Index r, Eigen::Index c) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Eigen::MatrixXf m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = u(rng);
    return m;
}

Eigen::MatrixXf normal(std::mt19937& rng, Eigen::Index r, Eigen::Index c) {
    std::normal_distribution<float> n(0.0f, 1.0f);
    Eigen::MatrixXf m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = n(rng);
    return m;
}

Eigen::MatrixXf gumbel(std::mt19937& rng, Eigen::Index r, Eigen::Index c) {
    Eigen::MatrixXf u = uniform(rng, r, c);
    return -((-(u.array().max(1e-20f)).log()).log()).matrix();
}

void check_continuous(Eigen::Index B, int steps) {
    std::printf("continuous VAE, batch %ld\n", static_cast<long>(B));
    std::mt19937 rng{42};
    const vae_weights w = vae_weights::random(7);
    manual_vae m{w};
    torch_vae t{w};
    const Eigen::MatrixXf x = uniform(rng, vae_x_dim, B), eps = normal(rng, vae_latent, B);
    report_loss("loss", m.loss_and_grads(x, eps), t.loss_and_grads(x, eps));
    compare("grad", m.grads(), t.grads());
    float lm = 0, lt = 0;
    for (int i = 0; i < steps; ++i) {
        const Eigen::MatrixXf xi = uniform(rng, vae_x_dim, B), ei = normal(rng, vae_latent, B);
        lm = m.step(xi, ei);
        lt = t.step(xi, ei);
    }
    report_loss("loss, last Adam step", lm, lt);
    compare_updates(m.weights(), t.weights(), w);
    if (B == 16) check_adam(w, m.grads());
}

void check_categorical(Eigen::Index B, float tau, int steps) {
    std::printf("categorical VAE, batch %ld, tau %.2f\n", static_cast<long>(B), tau);
    std::mt19937 rng{43};
    const cat_vae_weights w = cat_vae_weights::random(8);
    manual_cat_vae m{w};
    torch_cat_vae t{w};
    constexpr Eigen::Index C = cat_groups * cat_classes;
    const Eigen::MatrixXf x = uniform(rng, vae_x_dim, B), g = gumbel(rng, C, B);
    report_loss("loss", m.loss_and_grads(x, g, tau), t.loss_and_grads(x, g, tau));
    compare("grad", m.grads(), t.grads());
    float lm = 0, lt = 0;
    for (int i = 0; i < steps; ++i) {
        const Eigen::MatrixXf xi = uniform(rng, vae_x_dim, B), gi = gumbel(rng, C, B);
        lm = m.step(xi, gi, tau);
        lt = t.step(xi, gi, tau);
    }
    report_loss("loss, last Adam step", lm, lt);
    compare_updates(m.weights(), t.weights(), w);
    if (B == 16) check_adam(w, m.grads());
}

}  // namespace

int main() {
    torch::set_num_threads(1);
    for (const Eigen::Index B : {1, 16, 128}) check_continuous(B, 5);
    for (const Eigen::Index B : {1, 16, 128}) check_categorical(B, 0.5f, 5);
    std::printf(ok ? "OK: all within %.0e\n" : "FAILED: some difference above %.0e\n", tolerance);
    return ok ? 0 : 1;
}
