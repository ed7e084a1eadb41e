"""EasyOCR custom recognizer: EasyOCR's own generation-2 VGG-BiLSTM-CTC network."""

from easyocr.model.vgg_model import Model  # noqa: F401
