"""Reading files: decoding, encodings, HTML main text -> Article."""
