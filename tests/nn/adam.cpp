// Tests include/ppl/nn/adam.hpp against the update rule written out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("adam: three steps match the bias-corrected update rule", "[nn][adam]") {
    basic_parameter<double> p("p", 1, 2);
    p.value << 0.5, -1.0;
    basic_adam<double> opt{{&p}, {.lr = 0.1, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-3}};
    double value[2] = {0.5, -1.0}, m[2] = {0, 0}, v[2] = {0, 0};
    const double grads[3][2] = {{1.0, -2.0}, {0.5, 0.25}, {-3.0, 1.5}};
    for (int t = 1; t <= 3; ++t) {
        p.grad << grads[t - 1][0], grads[t - 1][1];
        opt.step();
        for (int i = 0; i < 2; ++i) {
            const double g = grads[t - 1][i];
            m[i] = 0.8 * m[i] + 0.2 * g;
            v[i] = 0.9 * v[i] + 0.1 * g * g;
            const double m_hat = m[i] / (1 - std::pow(0.8, t)), v_hat = v[i] / (1 - std::pow(0.9, t));
            value[i] -= 0.1 * m_hat / (std::sqrt(v_hat) + 1e-3);
            CHECK(p.value(0, i) == Approx(value[i]).epsilon(1e-12));
        }
    }
    CHECK(opt.steps() == 3);
}

TEST_CASE("adam and sgd refuse bad options and non-finite gradients", "[nn][adam][sgd]") {
    parameter p("weights", 2, 2);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH((adam{{&p}, {.lr = nan}}), Catch::Contains("'lr'") && Catch::Contains("nan"));
    CHECK_THROWS_WITH((adam{{&p}, {.lr = -1}}), Catch::Contains("'lr'") && Catch::Contains("-1"));
    CHECK_THROWS_WITH((adam{{&p}, {.beta1 = 1.0}}), Catch::Contains("beta1"));
    CHECK_THROWS_WITH((sgd{{&p}, {.lr = 0}}), Catch::Contains("'lr'"));
    adam opt{{&p}, {}};
    p.grad(1, 1) = std::numeric_limits<float>::infinity();
    const parameter::matrix before = p.value;
    CHECK_THROWS_WITH(opt.step(), Catch::Contains("'weights'"));
    CHECK(p.value == before);  // nothing was changed by the refused step
}

TEST_CASE("adam and sgd: the step split into begin_step and update(p) is step(), bit for bit", "[nn][adam][sgd]") {
    parameter a("a", 3, 4), b("b", 5, 1), other("other", 2, 2);
    random_stream rng{4};
    const auto fill = [&](parameter& p) {
        for (Eigen::Index i = 0; i < p.value.size(); ++i) p.value(i) = float(rng.normal()), p.grad(i) = float(rng.normal());
    };
    fill(a), fill(b), fill(other);
    parameter a2 = a, b2 = b, other2 = other;
    adam whole{{&a, &b}, {.lr = 0.01}}, split{{&a2, &b2}, {.lr = 0.01}};
    sgd whole_sgd{{&a, &b}, {.lr = 0.1}}, split_sgd{{&a2, &b2}, {.lr = 0.1}};
    for (int t = 0; t < 3; ++t) {
        whole.step();
        split.begin_step();
        split.update(b2), split.update(other2), split.update(a2);  // any order; `other` is not trained
        whole_sgd.step();
        split_sgd.begin_step();
        split_sgd.update(a2), split_sgd.update(b2);
    }
    CHECK(a2.value == a.value);
    CHECK(b2.value == b.value);
    CHECK(other2.value == other.value);
    CHECK(split.steps() == whole.steps());
    CHECK(split.first_moments()[0] == whole.first_moments()[0]);
    CHECK(split.second_moments()[1] == whole.second_moments()[1]);

    b2.grad(2, 0) = std::numeric_limits<float>::quiet_NaN();
    const parameter::matrix before = b2.value;
    split.begin_step();
    CHECK_THROWS_WITH(split.update(b2), Catch::Contains("'b'") && Catch::Contains("not finite"));
    CHECK(b2.value == before);  // the refused parameter did not move
    CHECK_THROWS_WITH(split_sgd.update(b2), Catch::Contains("'b'"));
}

TEST_CASE("sgd: p <- p - lr * grad", "[nn][sgd]") {
    basic_parameter<double> p("p", 1, 1);
    p.value(0, 0) = 1.0;
    p.grad(0, 0) = 0.5;
    basic_sgd<double> opt{{&p}, {.lr = 0.2}};
    opt.step();
    CHECK(p.value(0, 0) == Approx(0.9).epsilon(1e-15));
}
