"""The engine's recurrent layers against PyTorch's, with copied weights (skipped without torch)."""

import numpy as np
import pytest

from tutor.engine import GRU, LSTM, SimpleRNN

torch = pytest.importorskip("torch")

B, T, D, H = 3, 7, 4, 5


def _torch_layer(cls, layer):
    """A torch layer holding the engine layer's weights (torch stores W transposed)."""
    W, U, b = (layer.params[k] for k in ("W", "U", "b"))
    if cls is GRU:
        # torch orders the GRU gates r, z, n; Keras and the engine z, r, n. The engine's two bias
        # rows are torch's input and recurrent biases.
        order = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]
        W, U, b = W[:, order], U[:, order], b[:, order]
    tl = {SimpleRNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}[cls](D, H, batch_first=True).double()
    with torch.no_grad():
        tl.weight_ih_l0.copy_(torch.from_numpy(W.T.copy()))
        tl.weight_hh_l0.copy_(torch.from_numpy(U.T.copy()))
        if cls is GRU:
            tl.bias_ih_l0.copy_(torch.from_numpy(b[0].copy()))
            tl.bias_hh_l0.copy_(torch.from_numpy(b[1].copy()))
        else:
            tl.bias_ih_l0.copy_(torch.from_numpy(b.copy()))
            tl.bias_hh_l0.zero_()
    return tl, order if cls is GRU else None


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_matches_torch_forward_and_gradients(cls):
    layer = cls(H, input_dim=D, return_sequences=True, dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)  # both GRU bias rows matter
    tl, order = _torch_layer(cls, layer)
    x = rng.standard_normal((B, T, D))
    dy = rng.standard_normal((B, T, H))

    y = layer.forward(x)
    dx = layer.backward(dy)

    xt = torch.from_numpy(x).requires_grad_(True)
    out, _ = tl(xt)
    out.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(y, out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    dW, dU = tl.weight_ih_l0.grad.numpy().T, tl.weight_hh_l0.grad.numpy().T
    db = tl.bias_ih_l0.grad.numpy()
    if order is not None:
        back = np.argsort(order)
        db = np.stack([db, tl.bias_hh_l0.grad.numpy()])
        dW, dU, db = dW[:, back], dU[:, back], db[:, back]
    np.testing.assert_allclose(layer.grads["W"], dW, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads["U"], dU, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db, rtol=1e-9, atol=1e-12)
