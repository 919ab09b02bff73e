#pragma once
// The exact -ELBO of a small model with one discrete site, summed over the site's support by hand,
// and a check of an objective's value and gradient against it (tests/estimators/enumerate.cpp,
// tests/infer/partly_observed.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <ppl/ppl.hpp>

namespace ppl::testing {

inline double softplus_of(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// x -> q(y | x) -> p(x | y) = bernoulli(dec(y)), with a uniform prior. Categorical: `groups` groups of
// `classes` classes (softmax of the encoder's rows per group); bernoulli (classes == 0): one unit per
// encoder row. Where mask(0, i) = 1, y is the given label (a one-hot column of `labels`): the point's
// -ELBO is -log p(x | y) - log p(y), and the loss adds -alpha log q(y | x). Elsewhere y is summed
// over: sum_y q(y | x) (-log p(x | y)) + KL(q(. | x) || uniform).
struct exact_elbo {
    Eigen::Index rows, groups, classes;
    const Eigen::MatrixXd* labels = nullptr;
    const Eigen::MatrixXd* mask = nullptr;
    double alpha = 0;

    struct parts {
        double loss = 0, neg_elbo = 0;  // per data point
    };

    parts evaluate(const Eigen::MatrixXd& enc_w, const Eigen::VectorXd& enc_b, const Eigen::MatrixXd& dec_w,
                   const Eigen::VectorXd& dec_b, const Eigen::MatrixXd& x) const {
        const bool bernoulli = classes == 0;
        const Eigen::Index values = bernoulli ? (Eigen::Index{1} << rows) : static_cast<Eigen::Index>(std::pow(classes, groups));
        const auto neg_log_likelihood = [&](const Eigen::VectorXd& y, Eigen::Index i) {
            const Eigen::VectorXd l = dec_w * y + dec_b;
            double nll = 0;
            for (Eigen::Index d = 0; d < l.size(); ++d) nll += softplus_of(l(d)) - x(d, i) * l(d);
            return nll;
        };
        parts total;
        for (Eigen::Index i = 0; i < x.cols(); ++i) {
            const Eigen::VectorXd logits = enc_w * x.col(i) + enc_b;
            Eigen::VectorXd p(rows);  // q's probabilities: per unit, or per class within each group
            double kl = 0;
            if (bernoulli) {
                for (Eigen::Index r = 0; r < rows; ++r) {
                    p(r) = 1 / (1 + std::exp(-logits(r)));
                    kl += p(r) * std::log(2 * p(r)) + (1 - p(r)) * std::log(2 * (1 - p(r)));
                }
            } else {
                for (Eigen::Index g = 0; g < groups; ++g) {
                    const auto segment = logits.segment(g * classes, classes);
                    const Eigen::VectorXd e = (segment.array() - segment.maxCoeff()).exp();
                    p.segment(g * classes, classes) = e / e.sum();
                    for (Eigen::Index k = 0; k < classes; ++k) kl += p(g * classes + k) * std::log(classes * p(g * classes + k));
                }
            }
            if (mask != nullptr && (*mask)(0, i) == 1) {
                const Eigen::VectorXd y = labels->col(i);
                double log_q = 0;
                for (Eigen::Index r = 0; r < rows; ++r)
                    if (y(r) == 1) log_q += std::log(p(r));
                const double neg_elbo = neg_log_likelihood(y, i) + static_cast<double>(groups) * std::log(double(classes));
                total.neg_elbo += neg_elbo;
                total.loss += neg_elbo - alpha * log_q;
                continue;
            }
            double expected = 0;
            for (Eigen::Index j = 0; j < values; ++j) {
                Eigen::VectorXd y = Eigen::VectorXd::Zero(rows);
                double q = 1;
                if (bernoulli) {
                    for (Eigen::Index r = 0; r < rows; ++r) {
                        y(r) = static_cast<double>((j >> r) & 1);
                        q *= y(r) == 1 ? p(r) : 1 - p(r);
                    }
                } else {
                    Eigen::Index rest = j;
                    for (Eigen::Index g = 0; g < groups; ++g, rest /= classes) {
                        y(g * classes + rest % classes) = 1;
                        q *= p(g * classes + rest % classes);
                    }
                }
                expected += q * neg_log_likelihood(y, i);
            }
            total.neg_elbo += expected + kl;
            total.loss += expected + kl;
        }
        total.loss /= static_cast<double>(x.cols());
        total.neg_elbo /= static_cast<double>(x.cols());
        return total;
    }
};

// Runs step() (one value_and_grad of the objective) and checks its loss, its -ELBO and every
// parameter's gradient against `exact` and the central differences of its loss (step 1e-5 in double:
// error about 1e-10).
inline void check_exact(const std::function<step_result()>& step, basic_dense<double>& enc, basic_dense<double>& dec,
                        const exact_elbo& exact, const Eigen::MatrixXd& x) {
    const step_result r = step();
    const auto value = [&] { return exact.evaluate(enc.weight.value, enc.bias.value, dec.weight.value, dec.bias.value, x); };
    CHECK(r.loss == Approx(value().loss).epsilon(1e-12).margin(1e-10));
    CHECK(r.neg_elbo == Approx(value().neg_elbo).epsilon(1e-12).margin(1e-10));
    for (basic_parameter<double>* p : {&enc.weight, &enc.bias, &dec.weight, &dec.bias}) {
        for (Eigen::Index k = 0; k < p->value.size(); ++k) {
            const double keep = p->value(k), h = 1e-5;
            p->value(k) = keep + h;
            const double up = value().loss;
            p->value(k) = keep - h;
            const double down = value().loss;
            p->value(k) = keep;
            INFO(p->name << "[" << k << "]");
            CHECK(p->grad(k) == Approx((up - down) / (2 * h)).margin(1e-6));
        }
    }
}

// A features x cols batch of 0s and 1s.
inline Eigen::MatrixXd binary_batch(Eigen::Index features, Eigen::Index cols, unsigned seed) {
    random_stream rng{seed};
    Eigen::MatrixXd x(features, cols);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.uniform() < 0.5 ? 1.0 : 0.0;
    return x;
}

}  // namespace ppl::testing
