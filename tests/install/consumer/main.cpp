// A project outside the tree that finds the installed ppl and trains one step.
#include <iostream>
#include <ppl/ppl.hpp>

int main() {
    ppl::random_stream rng{0};
    ppl::dense layer{3, 1, rng};
    ppl::graph g{ppl::mean(ppl::square(layer(ppl::input<"x">())))};
    Eigen::MatrixXf x = Eigen::MatrixXf::Ones(3, 4);
    g.set<"x">(x);
    ppl::adam opt{g.parameters(), {}};
    const float before = g.value_and_grad();
    opt.step();
    const float after = g.forward();
    if (!(after < before)) return 1;
    std::cout << "consumer ok\n";
}
