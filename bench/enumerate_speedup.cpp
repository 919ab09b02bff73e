// Step time of the unlabelled half of the semi-supervised VAE (Kingma et al.'s M2) with its class
// summed out (enumerate) and relaxed (gumbel_softmax), at K classes, as in Jang et al. (2017),
// section 4.3: x -> h -> q(y | x) (K classes), q(z | h, y) (50 normal latents), p(x | y, z)
// bernoulli over 784 pixels. One thread; the two steps alternate, and each time is the median.
//   enumerate_speedup [--classes "10 20 50 100"] [--batch 100] [--repeats 15] [--csv out.csv]
#include <algorithm>
#include <cmath>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

using namespace ppl;

namespace {

constexpr Eigen::Index pixels = 784, hidden = 256, latents = 50;

// The model's layers for K classes.
struct m2_layers {
    random_stream init;
    dense enc_h, enc_y, enc_loc, enc_scale, dec_h, dec_out;
    explicit m2_layers(Eigen::Index classes)
        : init{1},
          enc_h{pixels, hidden, init, "enc_h"},
          enc_y{hidden, classes, init, "enc_y"},
          enc_loc{hidden + classes, latents, init, "enc_loc"},
          enc_scale{hidden + classes, latents, init, "enc_scale"},
          dec_h{latents + classes, hidden, init, "dec_h"},
          dec_out{hidden, pixels, init, "dec_out"} {}
};

// The -ELBO of the unlabelled points, with the class site's estimator E.
template <class E>
auto unlabelled_elbo(m2_layers& m) {
    auto x = data<"x">();
    auto h = let<"h">(relu(m.enc_h(x)));
    auto y = sample<"y", E>(categorical(m.enc_y(h), 1), uniform_categorical());
    auto hy = let<"hy">(concat(h, y));
    auto z = sample<"z">(normal(m.enc_loc(hy), softplus(m.enc_scale(hy)) + 1e-4), std_normal());
    return elbo(observe(bernoulli_logits(m.dec_out(relu(m.dec_h(concat(z, y))))), x));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<Eigen::Index> classes{10, 20, 50, 100};
    Eigen::Index batch = 100;
    int repeats = 15;
    std::string csv;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--classes") {
            classes.clear();
            std::istringstream in(value);
            for (Eigen::Index k; in >> k;) classes.push_back(k);
        } else if (flag == "--batch") {
            batch = std::stoll(value);
        } else if (flag == "--repeats") {
            repeats = std::stoi(value);
        } else if (flag == "--csv") {
            csv = value;
        } else {
            std::cerr << "unknown flag " << flag << "\n";
            return 2;
        }
    }
    if (classes.empty() || batch < 1 || repeats < 1) {
        std::cerr << "enumerate_speedup: give at least one class count, a batch >= 1 and repeats >= 1\n";
        return 2;
    }
    set_threads(1);
    random_stream data_rng{3};
    Eigen::MatrixXf x(pixels, batch);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = data_rng.uniform() < 0.3 ? 1.0f : 0.0f;

    std::ofstream out;
    if (!csv.empty()) {
        out.open(csv);
        if (!out) {
            std::cerr << "enumerate_speedup: cannot write " << csv << "\n";
            return 1;
        }
        out << "classes,batch,enumerate_ms,gumbel_softmax_ms,speedup\n";
    }
    std::cout << "classes  enumerate_ms  gumbel_softmax_ms  speedup   (batch " << batch << ", 1 thread, median of "
              << repeats << ")\n";
    for (const Eigen::Index k : classes) {
        m2_layers summed_layers(k), relaxed_layers(k);
        auto summed = unlabelled_elbo<enumerate>(summed_layers);
        auto relaxed = unlabelled_elbo<gumbel_softmax>(relaxed_layers);
        adam summed_adam{summed.parameters(), {}}, relaxed_adam{relaxed.parameters(), {}};
        random_stream noise{5};
        const auto time_step = [&](auto& objective, auto& optimiser) {
            const auto start = std::chrono::steady_clock::now();
            const step_result r = objective.train_step(x, noise, optimiser, {.tau = 0.5});
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (!std::isfinite(r.loss)) fail("enumerate_speedup: the loss is not finite");
            return ms;
        };
        for (int w = 0; w < 2; ++w) time_step(summed, summed_adam), time_step(relaxed, relaxed_adam);
        std::vector<double> summed_ms, relaxed_ms;
        for (int r = 0; r < repeats; ++r) {
            summed_ms.push_back(time_step(summed, summed_adam));
            relaxed_ms.push_back(time_step(relaxed, relaxed_adam));
        }
        const double a = median(summed_ms), b = median(relaxed_ms);
        std::cout << std::setw(7) << k << std::setw(14) << std::fixed << std::setprecision(2) << a << std::setw(19) << b
                  << std::setw(9) << std::setprecision(2) << a / b << "x\n";
        if (out) out << k << "," << batch << "," << a << "," << b << "," << a / b << "\n";
    }
    return 0;
}
