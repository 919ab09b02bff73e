// Binding a double matrix to a float graph must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    parameter w{"w", 2, 2};
    graph g{sum(param(w) * input<"x">())};
    Eigen::MatrixXd m(2, 2);
    g.set<"x">(m);
}
