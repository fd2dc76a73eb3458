// How much text and model file the tokenizer takes. SentencePiece's wasm build has a 2 GB heap and
// aborts the whole module ("Aborted()") when a text needs more: a 50 MB line does. One million
// characters encode in ~0.2 s and ~30 MB, about 250 times what T5 reads of an input (512 tokens).
import { MIB } from '../io/file-access';

/** The longest text encode() takes, in UTF-16 code units (JavaScript string length). */
export const MAX_TEXT_CHARS = 1_000_000;

/** T5's spiece.model is 0.8 MB, mT5's 4.3 MB; tokenizer.json files of T5 models are 2-17 MB. */
export const MAX_TOKENIZER_FILE_BYTES = 64 * MIB;
