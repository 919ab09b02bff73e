// The generated ELBO and its gradients equal PyTorch autograd's for the same weights, data and
// noise: the continuous VAE, the categorical VAE with gumbel_softmax, straight_through and
// score_function (no baseline), a Bernoulli VAE with disarm, the categorical VAE's iwae bound
// with vimco, and both VAEs with rebar. The reference values come from bench/peers/torch_estimator_reference.py.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <ppl/ppl.hpp>

using namespace ppl;

namespace {

struct reference {
    std::map<std::string, Eigen::MatrixXd> matrices;
    std::map<std::string, double> scalars;

    static reference load() {
        std::ifstream in(PPL_TORCH_REFERENCE);
        REQUIRE(in.good());
        reference r;
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream words(line);
            std::string kind, name;
            words >> kind >> name;
            if (kind == "scalar") {
                words >> r.scalars[name];
            } else if (kind == "matrix") {
                Eigen::Index rows = 0, cols = 0;
                words >> rows >> cols;
                std::getline(in, line);
                std::istringstream values(line);
                Eigen::MatrixXd m(rows, cols);
                for (Eigen::Index i = 0; i < m.size(); ++i) values >> m(i);  // column-major, as written
                r.matrices[name] = m;
            }
        }
        return r;
    }
    const Eigen::MatrixXd& operator[](const std::string& name) const {
        INFO("reference entry " << name);
        REQUIRE(matrices.count(name) == 1);
        return matrices.at(name);
    }
};

// Relative to the tensor's largest entry, so near-zero entries are not judged on their own.
void check_close(const Eigen::MatrixXf& ours, const Eigen::MatrixXd& torch, const std::string& what) {
    REQUIRE(ours.rows() == torch.rows());
    REQUIRE(ours.cols() == torch.cols());
    const double scale = std::max(torch.cwiseAbs().maxCoeff(), 1e-12);
    const double gap = (ours.cast<double>() - torch).cwiseAbs().maxCoeff() / scale;
    INFO(what << ": max relative difference " << gap);
    CHECK(gap <= 1e-4);
}

void load_layer(dense& layer, const reference& r, const std::string& name) {
    layer.weight.value = r[name + ".weight"].cast<float>();
    layer.bias.value = r[name + ".bias"].cast<float>();
}

template <class Objective>
void check_gradients(Objective& objective, const reference& r, const std::string& prefix) {
    for (auto* p : objective.parameters()) check_close(p->grad, r[prefix + ".grad." + p->name], p->name);
}

}  // namespace

TEST_CASE("continuous VAE: value and gradients equal PyTorch's", "[infer][torch]") {
    const reference r = reference::load();
    random_stream init{0};
    dense enc{12, 8, init, "enc"}, mu{8, 3, init, "mu"}, logvar{8, 3, init, "logvar"}, dec1{3, 8, init, "dec1"}, dec2{8, 12, init, "dec2"};
    for (auto [layer, name] : {std::pair{&enc, "enc"}, {&mu, "mu"}, {&logvar, "logvar"}, {&dec1, "dec1"}, {&dec2, "dec2"}})
        load_layer(*layer, r, name);
    auto x = data<"x">();
    auto h = let<"h">(relu(enc(x)));
    auto z = sample<"z">(normal(mu(h), exp(0.5 * logvar(h))), std_normal());
    auto objective = elbo(observe(bernoulli_logits(dec2(relu(dec1(z)))), x));
    fixed_noise<Eigen::MatrixXd> noise{{{"z", r["vae.noise.z"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise);
    CHECK(result.neg_elbo == Approx(r.scalars.at("vae.neg_elbo")).epsilon(1e-4));
    CHECK(result.loss == Approx(r.scalars.at("vae.neg_elbo")).epsilon(1e-4));
    check_gradients(objective, r, "vae");
}

// The small categorical VAE (2 groups of 3 classes) and Bernoulli VAE (5 units) of the reference file,
// with its weights.
struct categorical_vae {
    random_stream init{0};
    dense enc1{12, 8, init, "enc1"}, enc2{8, 6, init, "enc2"}, cdec1{6, 8, init, "cdec1"}, cdec2{8, 12, init, "cdec2"};
    explicit categorical_vae(const reference& r) {
        for (auto [layer, name] : {std::pair{&enc1, "enc1"}, {&enc2, "enc2"}, {&cdec1, "cdec1"}, {&cdec2, "cdec2"}})
            load_layer(*layer, r, name);
    }
    template <class Estimator>
    auto model() {
        auto x = data<"x">();
        auto c = sample<"c", Estimator>(categorical(enc2(relu(enc1(x))), 2), uniform_categorical());
        return observe(bernoulli_logits(cdec2(relu(cdec1(c)))), x);
    }
};
struct bernoulli_vae {
    random_stream init{0};
    dense benc{12, 5, init, "benc"}, bdec{5, 12, init, "bdec"};
    explicit bernoulli_vae(const reference& r) {
        load_layer(benc, r, "benc");
        load_layer(bdec, r, "bdec");
    }
    template <class Estimator>
    auto model() {
        auto x = data<"x">();
        auto b = sample<"b", Estimator>(bernoulli_logits(benc(x)), uniform_bernoulli());
        return observe(bernoulli_logits(bdec(b)), x);
    }
};

template <class Estimator>
void check_categorical(const std::string& estimator) {
    const reference r = reference::load();
    categorical_vae net(r);
    auto objective = elbo(net.model<Estimator>());
    fixed_noise<Eigen::MatrixXd> noise{{{"c", r["cat.noise.c"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise, {.tau = r.scalars.at("cat.tau")});
    CHECK(result.loss == Approx(r.scalars.at("cat." + estimator + ".neg_elbo")).epsilon(1e-4));
    check_gradients(objective, r, "cat." + estimator);
}

TEST_CASE("categorical VAE, gumbel_softmax: value and gradients equal PyTorch's", "[infer][torch]") {
    check_categorical<gumbel_softmax>("gumbel_softmax");
}
TEST_CASE("categorical VAE, straight_through: value and gradients equal PyTorch's", "[infer][torch]") {
    check_categorical<straight_through>("straight_through");
}
TEST_CASE("categorical VAE, score_function (no baseline): value and gradients equal PyTorch's", "[infer][torch]") {
    check_categorical<score_function<none>>("score_function");
}

TEST_CASE("Bernoulli VAE, disarm: value and gradients equal a PyTorch DisARM", "[infer][torch]") {
    const reference r = reference::load();
    bernoulli_vae net(r);
    auto objective = elbo(elbo_settings{.samples = 2}, net.model<disarm>());
    fixed_noise<Eigen::MatrixXd> noise{{{"b", r["bern.noise.b"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise);
    CHECK(result.loss == Approx(r.scalars.at("bern.disarm.neg_elbo")).epsilon(1e-4));
    check_gradients(objective, r, "bern.disarm");
}

TEST_CASE("categorical VAE, iwae(3) with vimco: value and gradients equal a PyTorch VIMCO", "[infer][torch]") {
    const reference r = reference::load();
    categorical_vae net(r);
    auto objective = iwae(3, net.model<vimco>());
    fixed_noise<Eigen::MatrixXd> noise{{{"c", r["vimco.noise.c"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise);
    CHECK(result.neg_elbo == Approx(r.scalars.at("vimco.neg_bound")).epsilon(1e-4));
    check_gradients(objective, r, "vimco");
}

TEST_CASE("Bernoulli VAE, rebar: value and gradients equal a PyTorch REBAR", "[infer][torch]") {
    const reference r = reference::load();
    bernoulli_vae net(r);
    auto objective = elbo(net.model<rebar>());
    fixed_noise<Eigen::MatrixXd> noise{{{"b", r["rebar.bern.noise.b"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise);
    CHECK(result.loss == Approx(r.scalars.at("rebar.bern.neg_elbo")).epsilon(1e-4));
    CHECK(result.neg_elbo == Approx(r.scalars.at("rebar.bern.neg_elbo")).epsilon(1e-4));
    check_gradients(objective, r, "rebar.bern");
}

TEST_CASE("categorical VAE, rebar: value and gradients equal a PyTorch REBAR", "[infer][torch]") {
    const reference r = reference::load();
    categorical_vae net(r);
    auto objective = elbo(net.model<rebar>());
    fixed_noise<Eigen::MatrixXd> noise{{{"c", r["rebar.cat.noise.c"]}}};
    const Eigen::MatrixXf batch = r["x"].cast<float>();
    const step_result result = objective.value_and_grad(batch, noise);
    CHECK(result.loss == Approx(r.scalars.at("rebar.cat.neg_elbo")).epsilon(1e-4));
    check_gradients(objective, r, "rebar.cat");
}
