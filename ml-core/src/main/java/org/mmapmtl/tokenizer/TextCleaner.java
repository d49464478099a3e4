package org.mmapmtl.tokenizer;

import org.apache.commons.text.StringEscapeUtils;

import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * The reference tokenizer's text cleaning: ftfy's fixes that change how CLIP text tokenizes, HTML entities decoded
 * twice, whitespace collapsed. Of ftfy we do NFC normalization, curly quotes to straight ones, Latin ligatures,
 * full-width ASCII to half-width and the removal of control characters; ftfy's mojibake repair is not reproduced.
 */
final class TextCleaner {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private TextCleaner() {
    }

    static String clean(String text) {
        return collapseWhitespace(basicClean(text));
    }

    static String basicClean(String text) {
        String fixed = ftfyStyleFixes(text);
        fixed = StringEscapeUtils.unescapeHtml4(StringEscapeUtils.unescapeHtml4(fixed));
        return fixed.strip();
    }

    static String collapseWhitespace(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip();
    }

    static String ftfyStyleFixes(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '\u2018', '\u2019', '\u201a', '\u201b' -> out.append('\'');
                case '\u201c', '\u201d', '\u201e', '\u201f' -> out.append('"');
                case '\ufb00' -> out.append("ff");
                case '\ufb01' -> out.append("fi");
                case '\ufb02' -> out.append("fl");
                case '\ufb03' -> out.append("ffi");
                case '\ufb04' -> out.append("ffl");
                case '\ufb05', '\ufb06' -> out.append("st");
                case '\u3000' -> out.append(' ');
                default -> {
                    if (c >= 0xff01 && c <= 0xff5e) {
                        out.append((char) (c - 0xff01 + 0x21));
                    } else if (!isRemovedControl(c)) {
                        out.appendCodePoint(c);
                    }
                }
            }
        }
        return Normalizer.normalize(out, Normalizer.Form.NFC);
    }

    /** C0/C1 controls other than the whitespace ones, which whitespace collapsing turns into spaces. */
    private static boolean isRemovedControl(int c) {
        boolean whitespace = c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x85;
        return !whitespace && (c < 0x20 || (c >= 0x7f && c < 0xa0));
    }
}
