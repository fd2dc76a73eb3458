// The one error type of every file reader (checkpoints, configs, tokenizers, prompts, data): a
// hostile or damaged file must end in an error that names it and says what to do, never in a
// TypeError, a RangeError from a Buffer read or an abort inside a library.

/** A file that cannot be used as it is. The message always names the file. */
export class FileFormatError extends Error {
  /** `message` should say where in the file and what to do; the file is put in front when it does not name it. */
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message.includes(file) ? message : `${file}: ${message}`);
    this.name = new.target.name;
  }
}
