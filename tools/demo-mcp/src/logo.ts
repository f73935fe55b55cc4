/** A 1×1 PNG (one blue pixel): the smallest valid image for the image content block of `get_logo`. */
export const LOGO_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPQDp8FAAHNAR2SMTZmAAAAAElFTkSuQmCC';

/** Who to ask about the logo: the embedded resource `get_logo` returns carries an e-mail address, for masking. */
export const LOGO_CREDITS = 'Logo by the Portcullis demo team. Questions about its use: brand@example.com';
