"""Writes tiny.pt, the TorchScript test model of InferenceRunnerTest.

A scripted Linear(4 -> 3) with fixed weights, so the test can compute the expected scores:
score_j = sum_i W[j][i] * x_i + b[j], with W and b below. Run from this directory with a
Python that has torch (Debian: apt-get install python3-torch; /usr/bin/python3 make-torchscript.py).
"""
import torch


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 2.0, 0.0, 0.0],
                [0.5, 0.5, -1.0, 1.0],
            ]))
            self.linear.bias.copy_(torch.tensor([0.0, -1.0, 0.25]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


torch.jit.script(Tiny().eval()).save("tiny.pt")
