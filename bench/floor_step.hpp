#pragma once
// The floor of a training step: only its matrix products (forward, weight gradients, input
// gradients), with the step's shapes and transposes, through the BLAS that ppl calls, and
// nothing else. A step cannot be faster than its products, so step / floor says how close to the
// machine's limit the rest of the step is.
#include <Eigen/Core>
#include <cblas.h>

#include <random>
#include <vector>

namespace ppl_bench {

/// One dense layer of the floor: y = W x with W out x in; `data_input` marks a first layer, whose
/// input is data and so needs no gradient.
struct floor_layer {
    Eigen::Index in, out;
    bool data_input;
};

/// The products of one step of a stack of dense layers, at batch B, with ppl's dispatch rule:
/// a product with one result column or row goes to gemv, every other one to gemm.
class floor_step {
public:
    floor_step(std::vector<floor_layer> layers, Eigen::Index batch) : layers_(std::move(layers)), batch_(batch) {
        std::mt19937 rng{3};
        std::uniform_real_distribution<float> u(-0.05f, 0.05f);
        const auto filled = [&](Eigen::Index r, Eigen::Index c) {
            Eigen::MatrixXf m(r, c);
            for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = u(rng);
            return m;
        };
        for (const floor_layer& l : layers_) {
            buffers_.push_back({filled(l.out, l.in), filled(l.in, batch), filled(l.out, batch), filled(l.out, batch),
                                filled(l.out, l.in), filled(l.in, batch)});
        }
    }

    /// Runs the products of one step; returns a value that depends on all of them.
    float run() {
        for (std::size_t k = 0; k < layers_.size(); ++k) {  // forward: y = W x
            auto& b = buffers_[k];
            product(false, false, b.w, b.x, b.y);
        }
        for (std::size_t k = layers_.size(); k-- > 0;) {  // backward: dW = dy x^T, dx = W^T dy
            auto& b = buffers_[k];
            product(false, true, b.dy, b.x, b.dw);
            if (!layers_[k].data_input) product(true, false, b.w, b.dy, b.dx);
        }
        float sum = 0;
        for (const auto& b : buffers_) sum += b.y(0, 0) + b.dw(0, 0) + b.dx(0, 0);
        return sum;
    }

private:
    struct layer_buffers {
        Eigen::MatrixXf w, x, y, dy, dw, dx;
    };

    // c = op(a) op(b), column-major, as ppl's product kernel issues it
    static void product(bool ta, bool tb, const Eigen::MatrixXf& a, const Eigen::MatrixXf& b, Eigen::MatrixXf& c) {
        const int m = int(c.rows()), n = int(c.cols()), k = int(ta ? a.rows() : a.cols());
        const auto op_a = ta ? CblasTrans : CblasNoTrans, op_b = tb ? CblasTrans : CblasNoTrans;
        if (n == 1) {
            cblas_sgemv(CblasColMajor, op_a, int(a.rows()), int(a.cols()), 1.0f, a.data(), int(a.rows()), b.data(),
                        tb ? int(b.rows()) : 1, 0.0f, c.data(), 1);
        } else if (m == 1) {
            cblas_sgemv(CblasColMajor, tb ? CblasNoTrans : CblasTrans, int(b.rows()), int(b.cols()), 1.0f, b.data(),
                        int(b.rows()), a.data(), ta ? 1 : int(a.rows()), 0.0f, c.data(), 1);
        } else {
            cblas_sgemm(CblasColMajor, op_a, op_b, m, n, k, 1.0f, a.data(), int(a.rows()), b.data(), int(b.rows()), 0.0f,
                        c.data(), m);
        }
    }

    std::vector<floor_layer> layers_;
    Eigen::Index batch_;
    std::vector<layer_buffers> buffers_;
};

/// The continuous VAE's layers: 784-400-(20, 20) encoder, 20-400-784 decoder.
inline std::vector<floor_layer> vae_floor_layers() {
    return {{784, 400, true}, {400, 20, false}, {400, 20, false}, {20, 400, false}, {400, 784, false}};
}
/// The categorical VAE's layers: 784-400-200 encoder, 200-400-784 decoder.
inline std::vector<floor_layer> cat_vae_floor_layers() {
    return {{784, 400, true}, {400, 200, false}, {200, 400, false}, {400, 784, false}};
}

}  // namespace ppl_bench
