// The variance study: estimators of d/d logits_0 E[r^T z], compared by variance
// and bias against the closed form, over many trials.
//   --problem categorical: z ~ Cat(softmax(logits)) one-hot, truth p_0 (r_0 - p . r);
//   --problem bernoulli:   z_i ~ Bernoulli(sigmoid(logits_i)) independent, truth p_0 (1 - p_0) r_0.
//
//   variance_study [--problem categorical|bernoulli] --logits a,b,.. --rewards a,b,.. --trials N
//                  --samples 1,10,100,1000 --json FILE [--seed S] [--table FILE.md] [--png FILE.png]
//
// Each trial averages n per-sample estimates drawn through ppl's own estimators (the same code
// that trains models). Leave-one-out needs n >= 2; the moving average carries over trials. rebar
// and relax first adapt (1500 variance steps of 64 points), then keep their parameters fixed; each
// of their per-sample estimates costs five evaluations of r^T z (one exact, two relaxed, two probes).
// disarm and arm (bernoulli) spend their n samples as n/2 antithetic pairs (even n only).
// vimco (categorical, n >= 2) estimates the gradient of another objective, the n-sample bound
// E[L_n], L_n = log (1/n) sum_k exp(r^T z_k); its bias is against a Rao-Blackwellised Monte Carlo
// reference, sum_k sum_j p_j (delta_j0 - p_0) L_n(z_k := j), averaged over 50 trials' worth of draws.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

namespace {

using namespace ppl;

// The two problems: the site's distribution and the closed-form gradient.
struct categorical_problem {
    using family = categorical_family;
    static constexpr const char* name = "categorical";
    static auto q(basic_parameter<double>& logits) { return categorical(param(logits), 1); }
    static double truth(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards) {
        const Eigen::VectorXd p = (logits.array() - logits.maxCoeff()).exp() / (logits.array() - logits.maxCoeff()).exp().sum();
        return p(0) * (rewards(0) - p.dot(rewards));
    }
};

struct bernoulli_problem {
    using family = bernoulli_family;
    static constexpr const char* name = "bernoulli";
    static auto q(basic_parameter<double>& logits) { return bernoulli_logits(param(logits)); }
    static double truth(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards) {
        const double p = 1 / (1 + std::exp(-logits(0)));
        return p * (1 - p) * rewards(0);
    }
};

struct row {
    std::string estimator;
    double tau;  // NaN for the score function
    Eigen::Index samples;
    double mean, variance, bias;
};

std::vector<double> parse_list(const std::string& text, const char* what) {
    std::vector<double> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            std::size_t used = 0;
            out.push_back(std::stod(item, &used));
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            fail("--", what, " has '", item, "', which is not a number");
        }
    }
    if (out.empty()) fail("--", what, " is empty");
    return out;
}

// n rebar (or relax<Net>) estimates with the state's eta, tau (and rho) laid out in five blocks; with
// `adapt`, one variance step after. Returns d/d logits_0 of the batch's mean cost.
template <class Problem, class Estimator = rebar>
double rebar_estimate(const Eigen::VectorXd& logits0, const Eigen::VectorXd& rewards, Eigen::Index n, baseline_state& state,
                      random_stream& rng, bool adapt) {
    using network = typename Estimator::control;  // rebar: none; relax: its network
    basic_parameter<double> logits("logits", logits0.size(), rebar_layout::blocks * n);
    logits.value = logits0.replicate(1, rebar_layout::blocks * n);
    auto q = Problem::q(logits);
    auto z = let<"c">(Estimator::template value<"c">(q, constant_leaf{1.0}));
    const auto& noise = find_let<let_named_t<Estimator::template noise_name<"c">, decltype(z)>>(z);
    graph g{make_expr(ops::rebar_surrogate_op<typename Problem::family, network>{q.settings}, std::get<0>(q.params),
                      stop_gradient(z), noise, column_sum(input<"r">() * z), state_leaf<baseline_state>{&state})};
    Eigen::MatrixXd r = rewards, control(1, 3), hard = Eigen::MatrixXd::Zero(1, 1);
    control << std::exp(state.control.log_tau), std::exp(state.control.log_tau + rebar_layout::probe_step), state.control.eta;
    g.template set<"r">(r);
    g.template set<Estimator::template control_name<"c">>(control);
    g.template set<"hard_samples">(hard);
    g.value_and_grad(stream_noise{&rng});
    if (adapt)
        ppl::detail::adapt_control_variate<typename Problem::family, network>(q.settings, state, g.template value<Estimator::template noise_name<"c">>(),
                                                                        g.template adjoint<"c">());
    return logits.grad.row(0).sum();
}

// Adapts a rebar or relax state over 1500 variance steps of 64 points, on its own stream.
template <class Problem, class Estimator>
baseline_state adapted_state(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards, random_stream& rng) {
    baseline_state state;
    for (int step = 0; step < 1500; ++step) rebar_estimate<Problem, Estimator>(logits, rewards, 64, state, rng, true);
    std::cerr << Estimator::name << " adapted: eta " << state.control.eta << ", tau " << std::exp(state.control.log_tau) << "\n";
    return state;
}

// One estimate per trial, each the average over n points, with the adapted state held fixed.
template <class Problem, class Estimator>
std::vector<double> adapted_estimates(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards, Eigen::Index n,
                                      int trials, const baseline_state& adapted, random_stream& rng) {
    std::vector<double> out;
    for (int trial = 0; trial < trials; ++trial) {
        baseline_state fixed = adapted;  // eta, tau, rho and the baseline as adapted, not moved by the trials
        out.push_back(rebar_estimate<Problem, Estimator>(logits, rewards, n, fixed, rng, false));
    }
    return out;
}

// One gradient estimate per trial, each the average over n samples (for disarm and arm, n/2 pairs).
template <class Problem, class Estimator>
std::vector<double> estimates(const Eigen::VectorXd& logits0, const Eigen::VectorXd& rewards, Eigen::Index n, int trials,
                              double tau, random_stream& rng) {
    basic_parameter<double> logits("logits", logits0.size(), n);
    logits.value = logits0.replicate(1, n);
    baseline_state state;
    state.samples = n;  // leave-one-out: the n samples of one trial form the group
    auto q = Problem::q(logits);
    auto z = let<"z">(Estimator::template value<"c">(q, input<"tau">()));
    Eigen::MatrixXd r = rewards, t = Eigen::MatrixXd::Constant(1, 1, tau), soft_samples = Eigen::MatrixXd::Zero(1, 1);
    std::vector<double> out;
    auto run = [&](auto& g) {
        if constexpr (std::remove_reference_t<decltype(g)>::template has_input<"tau">()) g.template set<"tau">(t);
        if constexpr (std::remove_reference_t<decltype(g)>::template has_input<"hard_samples">()) g.template set<"hard_samples">(soft_samples);
        g.template set<"r">(r);
        for (int trial = 0; trial < trials; ++trial) {
            g.value_and_grad(stream_noise{&rng});
            out.push_back(logits.grad.row(0).sum());  // the loss is a mean over samples
        }
    };
    if constexpr (std::is_same_v<Estimator, disarm>) {
        graph g{make_expr(ops::disarm_surrogate_op{}, param(logits), stop_gradient(z), stop_gradient(column_sum(input<"r">() * z)),
                          state_leaf<baseline_state>{&state})};
        run(g);
    } else if constexpr (std::is_same_v<Estimator, arm>) {
        const auto& noise = find_let<let_named_t<arm::noise_name<"c">, decltype(z)>>(z);
        graph g{make_expr(ops::arm_surrogate_op{}, param(logits), stop_gradient(column_sum(input<"r">() * z)), noise,
                          state_leaf<baseline_state>{&state})};
        run(g);
    } else if constexpr (is_score_function_v<Estimator>) {
        graph g{make_expr(ops::score_surrogate_op<typename Estimator::baseline>{}, column_sum(log_prob(q, z)),
                          stop_gradient(column_sum(input<"r">() * z)), state_leaf<baseline_state>{&state})};
        run(g);
    } else {
        graph g{batch_mean(column_sum(input<"r">() * z))};
        run(g);
    }
    return out;
}

// vimco's estimates of d/d logits_0 E[L_n], n >= 2 samples per trial: the surrogate of iwae(n, ...)
// with log w_k = r^T z_k, which has no pathwise part here, so the whole estimate is the score term.
std::vector<double> vimco_estimates(const Eigen::VectorXd& logits0, const Eigen::VectorXd& rewards, Eigen::Index n, int trials,
                                    random_stream& rng) {
    basic_parameter<double> logits("logits", logits0.size(), n);
    logits.value = logits0.replicate(1, n);
    auto q = categorical(param(logits), 1);
    auto z = let<"z">(vimco::value<"c">(q, constant_leaf{1.0}));
    graph g{make_expr(ops::vimco_surrogate_op{n}, column_sum(log_prob(q, z)), stop_gradient(column_sum(input<"r">() * z)))};
    Eigen::MatrixXd r = rewards;
    g.template set<"r">(r);
    std::vector<double> out;
    for (int trial = 0; trial < trials; ++trial) {
        g.value_and_grad(stream_noise{&rng});
        out.push_back(-logits.grad.row(0).sum());  // the surrogate's loss is -L_n
    }
    return out;
}

// The reference d/d logits_0 E[L_n]: per draw of n classes, for each k the expectation over z_k alone
// is exact, sum_j p_j (delta_j0 - p_0) L_n(z_k := j); averaged over `draws` draws. Returns {mean, SE}.
std::pair<double, double> vimco_reference(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards, Eigen::Index n, int draws,
                                          random_stream& rng) {
    const Eigen::VectorXd p = (logits.array() - logits.maxCoeff()).exp() / (logits.array() - logits.maxCoeff()).exp().sum();
    const Eigen::Index classes = p.size();
    double sum = 0, sum_squares = 0;
    std::vector<double> s(static_cast<std::size_t>(n));
    for (int draw = 0; draw < draws; ++draw) {
        for (auto& v : s) {  // inverse-CDF draw of a class
            const double u = rng.uniform();
            double cumulative = p(0);
            Eigen::Index c = 0;
            while (c + 1 < classes && cumulative <= u) cumulative += p(++c);
            v = rewards(c);
        }
        const double top = std::max(*std::max_element(s.begin(), s.end()), rewards.maxCoeff());
        double total = 0;
        for (double v : s) total += std::exp(v - top);
        double estimate = 0;
        for (double v : s)
            for (Eigen::Index j = 0; j < classes; ++j) {
                const double replaced = top + std::log((total - std::exp(v - top) + std::exp(rewards(j) - top)) / double(n));
                estimate += p(j) * ((j == 0 ? 1.0 : 0.0) - p(0)) * replaced;
            }
        sum += estimate;
        sum_squares += estimate * estimate;
    }
    const double mean = sum / draws;
    return {mean, std::sqrt(std::max(0.0, sum_squares / draws - mean * mean) / double(draws - 1))};
}

row summarize(std::string name, double tau, Eigen::Index n, const std::vector<double>& e, double truth) {
    double mean = 0;
    for (double v : e) mean += v / double(e.size());
    double variance = 0;
    for (double v : e) variance += (v - mean) * (v - mean) / double(e.size() - 1);
    return {std::move(name), tau, n, mean, variance, mean - truth};
}

// Every row of one problem, n by n. The rows of the seed's estimators draw from one stream in a
// fixed order; the others have their own streams, so adding rows leaves the seed's rows' draws alone.
template <class Problem>
std::vector<row> study(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards, const std::vector<double>& samples_list,
                       int trials, std::uint64_t seed) {
    const double truth = Problem::truth(logits, rewards), nan = std::nan("");
    std::vector<row> rows;
    random_stream rng{seed};
    random_stream rebar_rng{seed, 1}, relax_rng{seed, 2}, antithetic_rng{seed, 3}, vimco_rng{seed, 4}, reference_rng{seed, 5};
    using relax_estimator = relax<relax_mlp<16>>;
    const baseline_state rebar_adapted = adapted_state<Problem, rebar>(logits, rewards, rebar_rng);
    const baseline_state relax_adapted = adapted_state<Problem, relax_estimator>(logits, rewards, relax_rng);
    for (double count : samples_list) {
        const auto n = static_cast<Eigen::Index>(count);
        if (n < 1 || double(n) != count) fail("--samples has ", count, "; sample counts are whole numbers >= 1");
        std::cerr << Problem::name << ", n = " << n << "\n";
        rows.push_back(summarize("reinforce", nan, n, estimates<Problem, score_function<none>>(logits, rewards, n, trials, 1, rng), truth));
        rows.push_back(summarize("reinforce_moving_average", nan, n,
                                 estimates<Problem, score_function<moving_average>>(logits, rewards, n, trials, 1, rng), truth));
        if (n >= 2)
            rows.push_back(summarize("reinforce_leave_one_out", nan, n,
                                     estimates<Problem, score_function<leave_one_out>>(logits, rewards, n, trials, 1, rng), truth));
        for (double tau : {0.1, 0.5, 1.0, 2.0})
            rows.push_back(summarize("gumbel_softmax", tau, n, estimates<Problem, gumbel_softmax>(logits, rewards, n, trials, tau, rng), truth));
        rows.push_back(summarize("straight_through", 0.5, n, estimates<Problem, straight_through>(logits, rewards, n, trials, 0.5, rng), truth));
        rows.push_back(summarize("rebar", std::exp(rebar_adapted.control.log_tau), n,
                                 adapted_estimates<Problem, rebar>(logits, rewards, n, trials, rebar_adapted, rebar_rng), truth));
        rows.push_back(summarize("relax", std::exp(relax_adapted.control.log_tau), n,
                                 adapted_estimates<Problem, relax_estimator>(logits, rewards, n, trials, relax_adapted, relax_rng), truth));
        if constexpr (std::is_same_v<Problem, bernoulli_problem>) {
            if (n % 2 == 0) {
                rows.push_back(summarize("disarm", nan, n, estimates<Problem, disarm>(logits, rewards, n, trials, 1, antithetic_rng), truth));
                rows.push_back(summarize("arm", nan, n, estimates<Problem, arm>(logits, rewards, n, trials, 1, antithetic_rng), truth));
            }
        } else if (n >= 2) {
            const auto [reference, error] = vimco_reference(logits, rewards, n, 50 * trials, reference_rng);
            std::cerr << "vimco reference d/d logits_0 E[L_" << n << "] = " << reference << " +- " << error << " (SE)\n";
            rows.push_back(summarize("vimco", nan, n, vimco_estimates(logits, rewards, n, trials, vimco_rng), reference));
        }
    }
    return rows;
}

std::string number(double v) {
    if (std::isnan(v)) return "null";
    std::ostringstream out;
    out << std::setprecision(10) << v;
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Variance and bias of gradient estimators of d/d logits_0 E[r^T z] (the variance study of docs/benchmarks.md)"};
    std::string logits_text = "1.0,0.5,0.2,0.0,-0.2,-0.5,-1.0,-1.5", rewards_text = "1,2,3,4,5,6,7,8";
    std::string samples_text = "1,10,100,1000", json_path = "variance_study.json", table_path, png_path, problem = "categorical";
    int trials = 200;
    std::uint64_t seed = 0;
    app.add_option("--problem", problem, "categorical (one site over the classes) or bernoulli (one unit per logit)")
        ->check(CLI::IsMember({"categorical", "bernoulli"}));
    app.add_option("--logits", logits_text, "Comma-separated logits");
    app.add_option("--rewards", rewards_text, "Comma-separated rewards, one per class");
    app.add_option("--trials", trials, "Trials per estimator and sample count");
    app.add_option("--samples", samples_text, "Comma-separated sample counts n");
    app.add_option("--json", json_path, "Where to write the results");
    app.add_option("--table", table_path, "Also write a Markdown table of bias and variance");
    app.add_option("--png", png_path, "Also draw the log-log plot of variance against n (needs python3-matplotlib)");
    app.add_option("--seed", seed, "Seed of the noise stream");
    CLI11_PARSE(app, argc, argv);
    try {
        const std::vector<double> logits_list = parse_list(logits_text, "logits"), rewards_list = parse_list(rewards_text, "rewards");
        const std::vector<double> samples_list = parse_list(samples_text, "samples");
        if (logits_list.size() != rewards_list.size() || logits_list.size() < 2)
            fail("--logits and --rewards need the same length, at least 2; got ", logits_list.size(), " and ", rewards_list.size());
        if (trials < 2) fail("--trials is ", trials, "; the variance needs at least 2");
        const Eigen::VectorXd logits = Eigen::Map<const Eigen::VectorXd>(logits_list.data(), Eigen::Index(logits_list.size()));
        const Eigen::VectorXd rewards = Eigen::Map<const Eigen::VectorXd>(rewards_list.data(), Eigen::Index(rewards_list.size()));
        const double truth = problem == "bernoulli" ? bernoulli_problem::truth(logits, rewards)
                                                    : categorical_problem::truth(logits, rewards);
        const std::vector<row> rows = problem == "bernoulli"
                                          ? study<bernoulli_problem>(logits, rewards, samples_list, trials, seed)
                                          : study<categorical_problem>(logits, rewards, samples_list, trials, seed);

        std::ofstream json(json_path);
        if (!json) fail("cannot write '", json_path, "'");
        json << "{\n  \"problem\": \"" << problem << "\",\n  \"logits\": [" << logits_text << "],\n  \"rewards\": [" << rewards_text << "],\n  \"trials\": " << trials
             << ",\n  \"seed\": " << seed << ",\n  \"true_gradient\": " << number(truth) << ",\n  \"results\": [\n";
        for (std::size_t k = 0; k < rows.size(); ++k)
            json << "    {\"estimator\": \"" << rows[k].estimator << "\", \"tau\": " << number(rows[k].tau) << ", \"samples\": "
                 << rows[k].samples << ", \"mean\": " << number(rows[k].mean) << ", \"variance\": " << number(rows[k].variance)
                 << ", \"bias\": " << number(rows[k].bias) << "}" << (k + 1 < rows.size() ? "," : "") << "\n";
        json << "  ]\n}\n";
        json.close();
        std::cerr << "wrote " << json_path << " (true gradient " << truth << ")\n";

        if (!table_path.empty()) {
            std::ofstream table(table_path);
            table << "| estimator | tau | n | mean | bias | variance |\n|---|---|---|---|---|---|\n";
            for (const row& r : rows)
                table << "| " << r.estimator << " | " << (std::isnan(r.tau) ? "-" : number(r.tau)) << " | " << r.samples << " | "
                      << std::setprecision(4) << r.mean << " | " << r.bias << " | " << r.variance << " |\n";
            std::cerr << "wrote " << table_path << "\n";
        }
        if (!png_path.empty()) {
            const std::string command = std::string("/usr/bin/python3 ") + PPL_BENCH_DIR + "/plot_variance.py '" + json_path + "' '" + png_path + "'";
            if (std::system(command.c_str()) != 0) fail("plotting failed: ", command);
        }
    } catch (const ppl::error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
