// An Eigen matrix is not a node: the error says to bind it as an input instead.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    Eigen::MatrixXf m(2, 2);
    auto e = input<"x">() + m;
    (void)e;
}
