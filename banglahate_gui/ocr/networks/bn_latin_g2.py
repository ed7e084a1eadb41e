"""The Bengali+Latin recognizer's network: EasyOCR's own generation-2 VGG-BiLSTM-CTC model.

`banglahate_gui.ocr.trust` points EasyOCR's custom-network import at this module, so the code that
runs is always the package's, whatever `.py` lies in a recognizer folder.
"""

from easyocr.model.vgg_model import Model

NETWORK_PARAMS = ("input_channel", "output_channel", "hidden_size")
"""The keyword arguments `Model` takes besides `num_class` (the YAML's `network_params`)."""

__all__ = ["Model", "NETWORK_PARAMS"]
