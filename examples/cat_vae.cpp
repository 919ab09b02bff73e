// The categorical VAE of the seed (10 groups of K = 20 classes, uniform prior, tau annealed),
// trained on Fashion-MNIST. --estimator picks a compile-time instantiation:
//   cat_vae --estimator gumbel_softmax|straight_through|score_function|leave_one_out|vimco|rebar|relax --epochs 10
// vimco trains the K-sample bound iwae(K, ...) (--samples K); the others train the ELBO, leave_one_out
// (the score function with the leave-one-out baseline) with K samples per image. rebar and relax learn
// their own temperature, so the --tau schedule applies to the relaxed estimators only.
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

constexpr Eigen::Index groups = 10, classes = 20;

template <class Estimator>
struct cat_vae_layers {
    random_stream init;
    dense enc1{784, 400, init, "enc1"}, enc2{400, groups * classes, init, "enc2"};
    dense dec1{groups * classes, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};

    explicit cat_vae_layers(std::uint64_t seed) : init(seed) {}

    // x -> logits (10 x 20) -> c ~ Cat per group (relaxed or not) -> Bernoulli(sigmoid(dec(c)))
    auto model() {
        auto x = data<"x">();
        auto c = sample<"c", Estimator>(categorical(enc2(relu(enc1(x))), groups), uniform_categorical());
        return observe(bernoulli_logits(let<"logits">(dec2(relu(dec1(c))))), x);
    }
    auto decoder() { return sum(let<"image">(sigmoid(dec2(relu(dec1(input<"c">())))))); }
};

template <class Estimator>
struct cat_vae_model : cat_vae_layers<Estimator> {
    using layers = cat_vae_layers<Estimator>;
    using objective = decltype(elbo(std::declval<layers&>().model()));
    using train_objective =
        std::conditional_t<estimator_traits<Estimator>::trains_elbo, objective, decltype(iwae(1, std::declval<layers&>().model()))>;
    train_objective train;
    objective test{elbo(layers::model())};  // the per-epoch test -ELBO, for every estimator
    graph<decltype(std::declval<layers&>().decoder())> decode{layers::decoder()};
    double tau_min;

    cat_vae_model(std::uint64_t seed, double minimum, Eigen::Index samples) : layers(seed), train(make_train(samples)), tau_min(minimum) {}

    auto make_train(Eigen::Index samples) {
        if constexpr (!estimator_traits<Estimator>::trains_elbo) return iwae(samples, layers::model());
        else if constexpr (std::is_same_v<Estimator, score_function<leave_one_out>>)
            return elbo(elbo_settings{.samples = samples}, layers::model());
        else return elbo(layers::model());
    }
    std::vector<parameter*> encoder_parameters() {
        return {&this->enc1.weight, &this->enc1.bias, &this->enc2.weight, &this->enc2.bias};
    }
    Eigen::MatrixXf reconstruct(const Eigen::MatrixXf& images, random_stream& rng) {
        test.forward(images, rng, {.tau = tau_min, .hard_samples = true});  // the discrete model's codes
        // rebar and relax lay out five blocks of columns per image; the first holds one reconstruction of each
        return test.loss_graph().template value<"logits">().leftCols(images.cols()).array().logistic();
    }
    Eigen::MatrixXf sample_images(Eigen::Index count, random_stream& rng) {
        Eigen::MatrixXf c = Eigen::MatrixXf::Zero(groups * classes, count);  // one uniform class per group
        for (Eigen::Index j = 0; j < count; ++j)
            for (Eigen::Index g = 0; g < groups; ++g) c(g * classes + rng.below(classes), j) = 1;
        decode.template set<"c">(c);
        decode.forward();
        return decode.template value<"image">();
    }
};

template <class Estimator>
int run(const examples::settings& s, std::int64_t samples, process_group* processes) {
    cat_vae_model<Estimator> model(s.trainer.seed, s.temperature.minimum, samples);
    return examples::train_vae(model, s, processes);
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    examples::command_line flags("Categorical VAE (10 x 20, uniform prior) on Fashion-MNIST, trained with ppl", s,
                                 examples::vae_flags | examples::temperature_flags);
    using estimators = estimator_choices<gumbel_softmax, straight_through, score_function<moving_average>,
                                         named<"leave_one_out", score_function<leave_one_out>>, vimco, rebar,
                                         relax<relax_mlp<32>>>;
    std::string estimator = "gumbel_softmax";
    std::int64_t samples = 4;
    flags.add_option("--estimator", estimator,
                     "gumbel_softmax, straight_through, score_function (moving average), leave_one_out (the score "
                     "function with K samples per image), vimco (trains the K-sample bound), rebar (the relaxation as "
                     "a learned control variate) or relax (rebar plus a learned network, relax_mlp<32>)",
                     estimators::names());
    flags.add_option("--samples", samples, "K, the samples per image of --estimator vimco (its bound) or leave_one_out (>= 2)");
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        if ((estimator == "vimco" || estimator == "leave_one_out") && samples < 2)
            fail("--estimator ", estimator, " needs at least 2 samples per image (--samples); got ", samples);
        return estimators::call(estimator, [&]<class E>() { return run<E>(s, samples, processes); });
    });
}
