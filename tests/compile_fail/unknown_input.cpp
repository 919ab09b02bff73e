// Setting an input the model does not have must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    graph g{sum(exp(input<"x">()))};
    Eigen::MatrixXf batch(2, 2);
    g.set<"y">(batch);
}
