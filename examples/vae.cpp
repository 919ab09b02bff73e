// The continuous VAE of the seed (784-400-20, Bernoulli decoder), trained on Fashion-MNIST.
//   vae --epochs 10 --batch 128 --seed 0 --out results/vae
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

struct vae_layers {
    random_stream init;
    dense enc{784, 400, init, "enc"}, mu{400, 20, init, "mu"}, logvar{400, 20, init, "logvar"};
    dense dec1{20, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};

    explicit vae_layers(std::uint64_t seed) : init(seed) {}

    // x -> h -> z ~ N(mu(h), exp(logvar(h) / 2)) -> Bernoulli(sigmoid(dec(z))) over 784 pixels
    auto model() {
        auto x = data<"x">();
        auto h = let<"h">(relu(enc(x)));
        auto z = sample<"z">(normal(mu(h), exp(0.5 * logvar(h))), std_normal());
        return observe(bernoulli_logits(let<"logits">(dec2(relu(dec1(z))))), x);
    }
    auto decoder() { return sum(let<"image">(sigmoid(dec2(relu(dec1(input<"z">())))))); }
};

struct vae_model : vae_layers {
    using objective = decltype(elbo(std::declval<vae_layers&>().model()));
    objective train{elbo(model())};
    objective test{elbo(model())};  // the per-epoch test bound, with buffers of its own
    graph<decltype(std::declval<vae_layers&>().decoder())> decode{decoder()};

    explicit vae_model(std::uint64_t seed) : vae_layers(seed) {}

    std::vector<parameter*> encoder_parameters() {
        return {&enc.weight, &enc.bias, &mu.weight, &mu.bias, &logvar.weight, &logvar.bias};
    }
    Eigen::MatrixXf reconstruct(const Eigen::MatrixXf& images, random_stream& rng) {
        test.forward(images, rng);
        return test.loss_graph().value<"logits">().array().logistic();
    }
    Eigen::MatrixXf sample_images(Eigen::Index count, random_stream& rng) {
        Eigen::MatrixXf z(20, count);
        for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = static_cast<float>(rng.normal());
        decode.set<"z">(z);
        decode.forward();
        return decode.value<"image">();
    }
};

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    examples::command_line flags("Continuous VAE (784-400-20) on Fashion-MNIST, trained with ppl", s, examples::vae_flags);
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        vae_model model(s.trainer.seed);
        return examples::train_vae(model, s, processes);
    });
}
