const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/**
 * Spells every digit as a word ("60601" -> "six zero six zero one"), so every
 * engine reads account numbers and zip codes the same way a caller dictates them.
 */
export function spellDigits(text: string): string {
  return text.replace(/\d+/g, (run, offset: number) => {
    const words = [...run].map((d) => DIGIT_WORDS[Number(d)]).join(' ');
    const before = offset > 0 && /\w/.test(text[offset - 1]!) ? ' ' : '';
    const after = /\w/.test(text[offset + run.length] ?? '') ? ' ' : '';
    return before + words + after;
  });
}
