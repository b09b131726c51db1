package dev.graft.vision.demo;

import dev.graft.core.spi.Example;
import dev.graft.vision.image.RgbImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.RenderingHints;
import java.awt.font.GlyphVector;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Labelled images of characters rendered with the fonts installed on this machine (java.awt,
 * headless): random font, style, size, rotation, offset, colours and pixel noise.
 */
public final class Glyphs {
    private final List<String> families;

    public Glyphs() {
        System.setProperty("java.awt.headless", "true");
        List<String> f = new ArrayList<>();
        for (String name : GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames(Locale.ROOT)) {
            f.add(name);
        }
        if (f.isEmpty()) {
            throw new IllegalStateException("no fonts installed; the glyph tasks need at least one");
        }
        this.families = List.copyOf(f);
    }

    public List<String> families() {
        return families;
    }

    /** {@code perClass} images of each character of {@code chars}, labelled by the character. */
    public List<Example> render(String chars, int perClass, int size, long seed, String split) {
        Random r = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (char c : chars.toCharArray()) {
                RgbImage img = glyph(c, size, r);
                out.add(new Example(split + "/" + c + "/" + i, img, String.valueOf(c)));
            }
        }
        return out;
    }

    RgbImage glyph(char c, int size, Random r) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        int bg = r.nextInt(256);
        int fg = (bg + 96 + r.nextInt(64)) % 256;
        g.setColor(tint(bg, r));
        g.fillRect(0, 0, size, size);
        int style = new int[] {Font.PLAIN, Font.BOLD, Font.ITALIC}[r.nextInt(3)];
        Font font = new Font(families.get(r.nextInt(families.size())), style, Math.round(size * (0.55f + 0.25f * r.nextFloat())));
        GlyphVector gv = font.createGlyphVector(g.getFontRenderContext(), String.valueOf(c));
        Rectangle2D b = gv.getVisualBounds();
        AffineTransform t = new AffineTransform();
        t.translate(size / 2.0 + (r.nextDouble() - 0.5) * size * 0.15, size / 2.0 + (r.nextDouble() - 0.5) * size * 0.15);
        t.rotate(Math.toRadians((r.nextDouble() - 0.5) * 30));
        t.translate(-b.getCenterX(), -b.getCenterY());
        g.setTransform(t);
        g.setColor(tint(fg, r));
        g.fill(gv.getOutline());
        g.dispose();
        RgbImage raw = RgbImage.of(img);
        float[] p = raw.pixels().clone();
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.max(0, Math.min(255, p[i] + (float) r.nextGaussian() * 10));
        }
        return new RgbImage(size, size, p);
    }

    private static Color tint(int level, Random r) {
        int d = 30;
        return new Color(clamp(level + r.nextInt(2 * d) - d), clamp(level + r.nextInt(2 * d) - d), clamp(level + r.nextInt(2 * d) - d));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
