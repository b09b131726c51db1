package dev.graft.vision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageTransformsTest {
    /** Pixel (x, y) = (x, y, 10x + y) so positions can be read back. */
    static RgbImage ramp(int w, int h) {
        float[] p = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[(y * w + x) * 3] = x;
                p[(y * w + x) * 3 + 1] = y;
                p[(y * w + x) * 3 + 2] = 10 * x + y;
            }
        }
        return new RgbImage(w, h, p);
    }

    @Test
    void bilinearResizeOfALinearRampStaysLinearAtPixelCentres() {
        RgbImage r = ImageTransforms.resize(ramp(4, 4), 8, 8);
        // output pixel x samples source coordinate (x + 0.5) / 2 - 0.5, clamped at 0
        for (int x = 1; x < 7; x++) {
            assertThat(r.get(x, 3, 0)).isCloseTo((x + 0.5f) / 2 - 0.5f, within(1e-5f));
        }
        assertThat(r.get(0, 0, 0)).isZero();
        assertThat(r.get(7, 7, 1)).isEqualTo(3f);
    }

    @Test
    void resizeShorterKeepsAspectRatio() {
        RgbImage r = ImageTransforms.resizeShorter(ramp(40, 20), 10);
        assertThat(r.width()).isEqualTo(20);
        assertThat(r.height()).isEqualTo(10);
    }

    @Test
    void centerCropTakesTheMiddle() {
        RgbImage c = ImageTransforms.centerCrop(ramp(10, 8), 4);
        assertThat(c.get(0, 0, 0)).isEqualTo(3f);
        assertThat(c.get(0, 0, 1)).isEqualTo(2f);
        assertThat(c.get(3, 3, 2)).isEqualTo(10 * 6 + 5f);
    }

    @Test
    void horizontalFlipMirrorsColumns() {
        RgbImage f = ImageTransforms.flipHorizontal(ramp(5, 3));
        assertThat(f.get(0, 1, 0)).isEqualTo(4f);
        assertThat(f.get(4, 2, 2)).isEqualTo(2f);
        assertThat(ImageTransforms.flipHorizontal(f).pixels()).containsExactly(ramp(5, 3).pixels());
    }

    @Test
    void randomResizedCropIsReproducibleFromTheSeedAndVariesWithIt() {
        RgbImage src = ramp(64, 48);
        RgbImage a = ImageTransforms.randomResizedCrop(src, 16, 0.08, new SplittableRandom(1));
        RgbImage b = ImageTransforms.randomResizedCrop(src, 16, 0.08, new SplittableRandom(1));
        RgbImage c = ImageTransforms.randomResizedCrop(src, 16, 0.08, new SplittableRandom(2));
        assertThat(a.width()).isEqualTo(16);
        assertThat(a.height()).isEqualTo(16);
        assertThat(a.pixels()).containsExactly(b.pixels());
        assertThat(a.pixels()).isNotEqualTo(c.pixels());
    }

    @Test
    void caffeNormalisationSwapsToBgrAndSubtractsTheMeanWithoutScaling() {
        RgbImage px = new RgbImage(1, 1, new float[] {10, 20, 30});
        float[] out = new float[3];
        ImageTransforms.normalise(px, ImagePreprocessing.caffe(1), out, 0);
        assertThat(out[0]).isCloseTo(30 - 103.939f, within(1e-4f));
        assertThat(out[1]).isCloseTo(20 - 116.779f, within(1e-4f));
        assertThat(out[2]).isCloseTo(10 - 123.68f, within(1e-4f));
    }

    @Test
    void torchNormalisationScalesThenUsesMeanAndStd() {
        RgbImage px = new RgbImage(1, 1, new float[] {10, 20, 30});
        float[] out = new float[3];
        ImageTransforms.normalise(px, ImagePreprocessing.torch(1), out, 0);
        assertThat(out[0]).isCloseTo((10 / 255f - 0.485f) / 0.229f, within(1e-5f));
        assertThat(out[2]).isCloseTo((30 / 255f - 0.406f) / 0.225f, within(1e-5f));
    }

    @Test
    void preprocessingRoundTripsThroughTheCoreRecord() {
        ImagePreprocessing p = ImagePreprocessing.torch(224);
        assertThat(p.resize()).isEqualTo(256);
        assertThat(ImagePreprocessing.from(p.toPreprocessing())).isEqualTo(p);
        assertThat(ImagePreprocessing.from(ImagePreprocessing.caffe(224).toPreprocessing()).bgr()).isTrue();
    }
}
