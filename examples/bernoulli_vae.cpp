// The binary-latent VAE of the discrete-estimator papers (REBAR, RELAX, DisARM): 200 Bernoulli
// latent units with a uniform Bernoulli(1/2) prior, on dynamically binarized Fashion-MNIST.
//   bernoulli_vae --layers linear|nonlinear
//                 --estimator gumbel_softmax|straight_through|score_function|leave_one_out|disarm|arm|rebar|relax [--samples 2]
// --layers linear:    784 -> 200 logits;              200 -> 784 logits.
// --layers nonlinear: 784-200-200 tanh -> 200 logits; 200-200-200 tanh -> 784 logits.
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

constexpr Eigen::Index latents = 200, hidden = 200, pixels = 784;

struct linear_layers {
    dense enc, dec;
    explicit linear_layers(random_stream& init)
        : enc{pixels, latents, init, "enc"}, dec{latents, pixels, init, "dec"} {}
    auto encode(const auto& x) { return enc(x); }
    std::vector<parameter*> encoder() { return {&enc.weight, &enc.bias}; }
    auto decode(const auto& b) { return dec(b); }
};

struct nonlinear_layers {
    dense enc1, enc2, enc3, dec1, dec2, dec3;
    explicit nonlinear_layers(random_stream& init)
        : enc1{pixels, hidden, init, "enc1"}, enc2{hidden, hidden, init, "enc2"}, enc3{hidden, latents, init, "enc3"},
          dec1{latents, hidden, init, "dec1"}, dec2{hidden, hidden, init, "dec2"}, dec3{hidden, pixels, init, "dec3"} {}
    auto encode(const auto& x) { return enc3(tanh(enc2(tanh(enc1(x))))); }
    std::vector<parameter*> encoder() {
        return {&enc1.weight, &enc1.bias, &enc2.weight, &enc2.bias, &enc3.weight, &enc3.bias};
    }
    auto decode(const auto& b) { return dec3(tanh(dec2(tanh(dec1(b))))); }
};

template <class Estimator, class Layers>
struct bernoulli_vae_layers {
    random_stream init;
    Layers layers{init};

    explicit bernoulli_vae_layers(std::uint64_t seed) : init(seed) {}

    // x -> logits (200) -> b ~ Bernoulli per unit (relaxed or not) -> Bernoulli(sigmoid(dec(b))) over 784 pixels
    auto model() {
        auto x = data<"x">();
        auto b = sample<"b", Estimator>(bernoulli_logits(layers.encode(x)), uniform_bernoulli());
        return observe(bernoulli_logits(let<"logits">(layers.decode(b))), x);
    }
    auto decoder() { return sum(let<"image">(sigmoid(layers.decode(input<"b">())))); }
};

template <class Estimator, class Layers>
struct bernoulli_vae_model : bernoulli_vae_layers<Estimator, Layers> {
    using base = bernoulli_vae_layers<Estimator, Layers>;
    // disarm and arm draw an antithetic pair per image; leave_one_out draws --samples per image
    static elbo_settings settings(Eigen::Index samples) {
        if constexpr (estimator_traits<Estimator>::samples_per_point > 0) return {.samples = estimator_traits<Estimator>::samples_per_point};
        else if constexpr (std::is_same_v<Estimator, score_function<leave_one_out>>) return {.samples = samples};
        else return {.samples = 1};
    }
    using objective = decltype(elbo(elbo_settings{}, std::declval<base&>().model()));
    objective train, test;
    graph<decltype(std::declval<base&>().decoder())> decode{base::decoder()};
    double tau_min;

    bernoulli_vae_model(std::uint64_t seed, double minimum, Eigen::Index samples)
        : base(seed), train(elbo(settings(samples), base::model())), test(elbo(settings(samples), base::model())), tau_min(minimum) {}

    std::vector<parameter*> encoder_parameters() { return this->layers.encoder(); }
    Eigen::MatrixXf reconstruct(const Eigen::MatrixXf& images, random_stream& rng) {
        test.forward(images, rng, {.tau = tau_min, .hard_samples = true});  // the discrete model's codes
        // with two samples (disarm, arm) or five blocks (rebar, relax) per image, the first block holds one reconstruction of each
        return test.loss_graph().template value<"logits">().leftCols(images.cols()).array().logistic();
    }
    Eigen::MatrixXf sample_images(Eigen::Index count, random_stream& rng) {
        Eigen::MatrixXf b(latents, count);  // uniform bits: the prior
        for (Eigen::Index i = 0; i < b.size(); ++i) b.data()[i] = static_cast<float>(rng.bits() & 1u);
        decode.template set<"b">(b);
        decode.forward();
        return decode.template value<"image">();
    }
};

template <class Estimator>
int run(const std::string& layers, const examples::settings& s, Eigen::Index samples, process_group* processes) {
    if (layers == "nonlinear") {
        bernoulli_vae_model<Estimator, nonlinear_layers> model(s.trainer.seed, s.temperature.minimum, samples);
        return examples::train_vae(model, s, processes);
    }
    bernoulli_vae_model<Estimator, linear_layers> model(s.trainer.seed, s.temperature.minimum, samples);
    return examples::train_vae(model, s, processes);
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    s.binarize = true;  // the papers' workload; --no-binarize trains on intensities
    examples::command_line flags("Bernoulli VAE (200 binary latents, uniform prior) on binarized Fashion-MNIST, trained with ppl", s,
                                 examples::vae_flags | examples::temperature_flags);
    using estimators = estimator_choices<gumbel_softmax, straight_through, score_function<moving_average>,
                                         named<"leave_one_out", score_function<leave_one_out>>, disarm, arm, rebar,
                                         relax<relax_mlp<32>>>;
    std::string estimator = "gumbel_softmax", layers = "linear";
    flags.add_option("--estimator", estimator,
                     "gumbel_softmax, straight_through, score_function (moving average), leave_one_out (the score "
                     "function with --samples per image), disarm or arm (antithetic pairs), rebar (the relaxation as a "
                     "learned control variate) or relax (rebar plus a learned network, relax_mlp<32>)",
                     estimators::names());
    std::int64_t samples = 2;
    flags.add_option("--samples", samples, "K, the samples per image of --estimator leave_one_out (>= 2)");
    flags.add_option("--layers", layers, "linear (784-200-784) or nonlinear (two tanh layers of 200 on each side)", {"linear", "nonlinear"});
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        if (estimator == "leave_one_out" && samples < 2)
            fail("--estimator leave_one_out needs at least 2 samples per image (--samples); got ", samples);
        return estimators::call(estimator, [&]<class E>() { return run<E>(layers, s, samples, processes); });
    });
}
