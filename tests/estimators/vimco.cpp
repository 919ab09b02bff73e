// Tests include/ppl/estimators/vimco.hpp: unbiased for the gradient of a K-sample bound, with less
// variance than the same score function without its leave-one-out baselines.
//
// The problem: z ~ Cat(softmax(logits)) over 8 classes, a uniform prior, and log p(x | z) = r^T z, so
//   log w(z) = r_z - log 8 - log q(z),   L_K = log (1/K) sum_k w(z_k).
// The reference gradient of E[L_K] enumerates all 8^K tuples in double (K = 2 and 3).
#include "support/estimator_checks.hpp"

#include <functional>

using namespace ppl;
using namespace ppl::testing;

namespace {

// The plain score function of L_K, for comparison: d/d log q(z_k) = -L / n for every k.
struct plain_bound_surrogate_op {
    static constexpr std::string_view name = "plain_bound_surrogate";
    Eigen::Index samples;
    shape infer(const shape&, const shape&) const { return {1, 1}; }
    void forward(auto& y, const auto&, const auto&) const { y.setZero(); }
    void backward(const auto&, const auto& dy, const auto& dlog_q, const auto&, const auto&, const auto& log_w) const {
        if constexpr (wants_adjoint<decltype(dlog_q)>) {
            const Eigen::Index points = log_w.cols() / samples;
            dlog_q.accumulate_pieces([&](auto& target, bool assign) {
                for (Eigen::Index i = 0; i < points; ++i) {
                    double top = -INFINITY, total = 0;
                    for (Eigen::Index k = 0; k < samples; ++k) top = std::max(top, log_w(0, k * points + i));
                    for (Eigen::Index k = 0; k < samples; ++k) total += std::exp(log_w(0, k * points + i) - top);
                    const double bound = top + std::log(total / double(samples));
                    for (Eigen::Index k = 0; k < samples; ++k) {
                        const double g = -dy(0, 0) * bound / double(points);
                        target(0, k * points + i) = assign ? g : target(0, k * points + i) + g;
                    }
                }
            });
        }
    }
};

// E[L_K] by enumerating all 8^K tuples of classes.
double expected_bound(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards, int samples) {
    const Eigen::VectorXd q = softmax_of(logits);
    const auto log_w = [&](int z) { return rewards(z) - std::log(8.0) - std::log(q(z)); };
    double expectation = 0;
    std::vector<int> tuple(samples, 0);
    std::function<void(int, double)> visit = [&](int depth, double probability) {
        if (depth == samples) {
            double mean_w = 0;
            for (int z : tuple) mean_w += std::exp(log_w(z)) / samples;
            expectation += probability * std::log(mean_w);
            return;
        }
        for (int z = 0; z < 8; ++z) tuple[depth] = z, visit(depth + 1, probability * q(z));
    };
    visit(0, 1.0);
    return expectation;
}

// d/d logits_0 of E[L_K] by central differences of the enumeration.
double bound_gradient(Eigen::VectorXd logits, const Eigen::VectorXd& rewards, int samples) {
    const double h = 1e-5, saved = logits(0);
    logits(0) = saved + h;
    const double up = expected_bound(logits, rewards, samples);
    logits(0) = saved - h;
    return (up - expected_bound(logits, rewards, samples)) / (2 * h);
}

// n per-point estimates of d/d logits_0 E[L_K]: each point's K samples have their own logits
// columns (k n + i), whose gradients add up to the point's estimate.
template <bool WithBaselines>
Eigen::RowVectorXd vimco_estimates(const Eigen::VectorXd& logits0, const Eigen::VectorXd& rewards, Eigen::Index n, Eigen::Index samples) {
    basic_parameter<double> logits("logits", 8, samples * n);
    logits.value = logits0.replicate(1, samples * n);
    auto q = categorical(param(logits), 1);
    auto z = let<"z">(vimco::value<"z">(q, constant_leaf{1.0}));
    auto log_q = let<"log_q">(column_sum(log_prob(q, z)));
    auto log_w = let<"log_w">(column_sum(input<"r">() * z) - std::log(8.0) - log_q);
    auto loss = batch_mean(-log_mean_exp(log_w, samples));
    Eigen::MatrixXd r = rewards;
    random_stream rng{31};
    Eigen::RowVectorXd out = Eigen::RowVectorXd::Zero(n);
    const auto collect = [&](auto& g) {
        g.template set<"r">(r);
        g.value_and_grad(stream_noise{&rng});
        // the graph minimises -L_K, so the estimate of d E[L_K] is minus its gradient
        for (Eigen::Index k = 0; k < samples; ++k) out -= logits.grad.row(0).segment(k * n, n) * double(n);
    };
    if constexpr (WithBaselines) {
        graph g{loss + make_expr(ops::vimco_surrogate_op{samples}, log_q, stop_gradient(log_w))};
        collect(g);
    } else {
        graph g{loss + make_expr(plain_bound_surrogate_op{samples}, log_q, stop_gradient(log_w))};
        collect(g);
    }
    return out;
}

}  // namespace

TEST_CASE("vimco: unbiased for the gradient of E[L_K], categorical with 8 classes", "[estimators][vimco]") {
    Eigen::VectorXd logits(8), rewards(8);
    logits << 0.5, -1.0, 0.2, 1.1, -0.3, 0.0, 0.8, -2.0;
    rewards << 1.0, 0.2, -0.5, 0.9, 0.1, -1.2, 0.4, 2.0;
    for (const int k : {2, 3}) {
        INFO("K = " << k);
        check_unbiased(summarize(vimco_estimates<true>(logits, rewards, 40000, k)), bound_gradient(logits, rewards, k));
        check_unbiased(summarize(vimco_estimates<false>(logits, rewards, 40000, k)), bound_gradient(logits, rewards, k));
    }
}

TEST_CASE("vimco: the leave-one-out baselines cut the variance of the plain score function", "[estimators][vimco]") {
    Eigen::VectorXd logits(8), rewards(8);
    logits << 0.5, -1.0, 0.2, 1.1, -0.3, 0.0, 0.8, -2.0;
    rewards = Eigen::VectorXd::Constant(8, 5.0) + Eigen::VectorXd::LinSpaced(8, 0, 1);  // a large common offset
    const double plain = summarize(vimco_estimates<false>(logits, rewards, 20000, 4)).standard_error;
    const double loo = summarize(vimco_estimates<true>(logits, rewards, 20000, 4)).standard_error;
    INFO("standard error: plain " << plain << ", vimco " << loo);
    CHECK(loo < plain / 3);
}

TEST_CASE("vimco: the surrogate needs K >= 2 samples per point and matching rows", "[estimators][vimco]") {
    basic_parameter<double> a("a", 1, 6), b("b", 1, 6);
    graph one{make_expr(ops::vimco_surrogate_op{1}, param(a), param(b))};
    CHECK_THROWS_WITH(one.forward(), Catch::Contains("vimco surrogate") && Catch::Contains("K >= 2"));
    graph uneven{make_expr(ops::vimco_surrogate_op{4}, param(a), param(b))};
    CHECK_THROWS_WITH(uneven.forward(), Catch::Contains("vimco surrogate"));
}
