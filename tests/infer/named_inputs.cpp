// Tests include/ppl/infer/named_inputs.hpp: elbo() and iwae() steps that bind several inputs by name,
// against the same steps with the extra input bound by hand, and every refused binding.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

namespace {

// A conditional VAE: the encoder reads [x; c], the decoder [z; c].
struct conditional_vae {
    random_stream init{3};
    dense enc{6 + 2, 3, init, "enc"}, dec{3 + 2, 6, init, "dec"};
    auto model() {
        auto x = data<"x">();
        auto c = input<"c">();
        auto z = sample<"z">(normal(enc(concat(x, c)), 0.7), std_normal());
        return observe(bernoulli_logits(dec(concat(z, c))), x);
    }
};

Eigen::MatrixXf binary(Eigen::Index rows, Eigen::Index cols) {
    return (Eigen::MatrixXf::Random(rows, cols).array() > 0).cast<float>();
}

}  // namespace

TEST_CASE("named inputs: an elbo step with x and c equals the step with c bound by hand, also with 2 samples",
          "[infer][named_inputs]") {
    const Eigen::MatrixXf x = binary(6, 5), c = Eigen::MatrixXf::Random(2, 5);
    for (const Eigen::Index samples : {1, 2}) {
        INFO("samples " << samples);
        conditional_vae vae;
        auto objective = elbo(elbo_settings{.samples = samples}, vae.model());
        random_stream first{11};
        const step_result named = objective.value_and_grad({{"x", x}, {"c", c}}, first);
        const Eigen::MatrixXf named_grad = vae.enc.weight.grad;
        const Eigen::MatrixXf by_hand_c = c.replicate(1, samples);  // what the objective lays out
        objective.loss_graph().set<"c">(by_hand_c);
        random_stream second{11};
        const step_result by_hand = objective.value_and_grad(x, second);
        CHECK(named.loss == by_hand.loss);
        CHECK(named.neg_elbo == by_hand.neg_elbo);
        CHECK(named_grad == vae.enc.weight.grad);
        CHECK(named_grad.cwiseAbs().maxCoeff() > 0);
    }
}

TEST_CASE("named inputs: an iwae bound with x and c equals the bound with c bound by hand", "[infer][named_inputs]") {
    const Eigen::MatrixXf x = binary(6, 4), c = Eigen::MatrixXf::Random(2, 4);
    conditional_vae vae;
    auto bound = iwae(3, vae.model());
    random_stream first{12};
    const step_result named = bound.value_and_grad({{"x", x}, {"c", c}}, first);
    const Eigen::MatrixXf by_hand_c = c.replicate(1, 3);
    bound.loss_graph().set<"c">(by_hand_c);
    random_stream second{12};
    CHECK(named.neg_elbo == bound.value_and_grad(x, second).neg_elbo);
}

TEST_CASE("named inputs: a missing, unknown, repeated, internal or misshapen input is a ppl::error", "[infer][named_inputs]") {
    const Eigen::MatrixXf x = binary(6, 5), c = Eigen::MatrixXf::Random(2, 5), c_short = Eigen::MatrixXf::Random(2, 4);
    conditional_vae vae;
    auto objective = elbo(vae.model());
    random_stream noise{13};
    CHECK_THROWS_WITH(objective.forward({{"x", x}}, noise), Catch::Contains("the model reads input 'c'"));
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"c", c}, {"k", c}}, noise),
                      Catch::Contains("no input named 'k'") && Catch::Contains("it reads: x, c"));
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"c", c}, {"c", c}}, noise), Catch::Contains("'c' is given twice"));
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"c", c}, {"tau", c}}, noise), Catch::Contains("set by the objective itself"));
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"c", c_short}}, noise),
                      Catch::Contains("'c' has 4 columns and 'x' 5"));
}
