// A Dirichlet VAE on Fashion-MNIST: 784-400-20 encoder to Dirichlet concentrations (softplus + 1e-3),
// a point of the 20-simplex as the code, a sparse Dirichlet(0.3) prior, and a 20-400-784 Bernoulli
// decoder. The Dirichlet site is pathwise by implicit reparameterization; --estimator score_function
// trains it with the score function (moving-average baseline) instead:
//   dirichlet_vae --estimator pathwise|score_function --epochs 10
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

constexpr Eigen::Index components = 20;
constexpr double prior_concentration = 0.3;

template <class Estimator>
struct dirichlet_vae_layers {
    random_stream init;
    dense enc1{784, 400, init, "enc1"}, enc2{400, components, init, "enc2"};
    dense dec1{components, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};

    explicit dirichlet_vae_layers(std::uint64_t seed) : init(seed) {}

    // x -> concentrations -> z ~ Dirichlet(alpha) on the simplex -> Bernoulli(sigmoid(dec(z)))
    auto model() {
        auto x = data<"x">();
        auto alpha = softplus(enc2(relu(enc1(x)))) + 1e-3;
        auto z = sample<"z", Estimator>(dirichlet(alpha, 1), symmetric_dirichlet(prior_concentration));
        return observe(bernoulli_logits(let<"logits">(dec2(relu(dec1(z))))), x);
    }
    auto decoder() { return sum(let<"image">(sigmoid(dec2(relu(dec1(input<"z">())))))); }
};

template <class Estimator>
struct dirichlet_vae_model : dirichlet_vae_layers<Estimator> {
    using layers = dirichlet_vae_layers<Estimator>;
    using objective = decltype(elbo(std::declval<layers&>().model()));
    objective train{elbo(layers::model())};
    objective test{elbo(layers::model())};
    graph<decltype(std::declval<layers&>().decoder())> decode{layers::decoder()};

    explicit dirichlet_vae_model(std::uint64_t seed) : layers(seed) {}

    std::vector<parameter*> encoder_parameters() {
        return {&this->enc1.weight, &this->enc1.bias, &this->enc2.weight, &this->enc2.bias};
    }
    Eigen::MatrixXf reconstruct(const Eigen::MatrixXf& images, random_stream& rng) {
        test.forward(images, rng);
        return test.loss_graph().template value<"logits">().array().logistic();
    }
    // codes from the prior: Dirichlet(0.3) by normalised Gamma(0.3) quantiles
    Eigen::MatrixXf sample_images(Eigen::Index count, random_stream& rng) {
        Eigen::MatrixXf z(components, count);
        for (Eigen::Index j = 0; j < count; ++j) {
            Eigen::VectorXd draws(components);
            for (Eigen::Index k = 0; k < components; ++k)
                draws(k) = gamma_quantile(prior_concentration, std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp));
            z.col(j) = (draws / draws.sum()).cast<float>();
        }
        decode.template set<"z">(z);
        decode.forward();
        return decode.template value<"image">();
    }
};

template <class Estimator>
int run(const examples::settings& s, process_group* processes) {
    dirichlet_vae_model<Estimator> model(s.trainer.seed);
    return examples::train_vae(model, s, processes);
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    examples::command_line flags("Dirichlet VAE (20 components, Dirichlet(0.3) prior) on Fashion-MNIST, trained with ppl", s,
                                 examples::vae_flags);
    std::string estimator = "pathwise";
    flags.add_option("--estimator", estimator,
                     "pathwise (implicit reparameterization, the default) or score_function (moving-average baseline)",
                     {"pathwise", "score_function"});
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        if (estimator == "score_function") return run<score_function<moving_average>>(s, processes);
        return run<pathwise>(s, processes);
    });
}
