package org.mmapmtl.data;

/** How many images of each class of each domain go to training; the rest are the test set (the paper's protocol). */
public sealed interface SplitRule {

    /** round(percent% of the class's images), at least one: 10% ≈ 6-shot on Office-Home, 1% ≈ 3-shot on MiniDomainNet. */
    record Percent(double percent) implements SplitRule {
        public Percent {
            if (!(percent > 0 && percent < 100)) {
                throw new DatasetException("percent must be within (0, 100), got " + percent);
            }
        }

        @Override
        public int trainCount(int images) {
            return (int) Math.max(1, Math.min(images, Math.round(images * percent / 100.0)));
        }
    }

    /** k images per class (all of them where a class has fewer). */
    record Shots(int shots) implements SplitRule {
        public Shots {
            if (shots < 1) {
                throw new DatasetException("shots must be at least 1, got " + shots);
            }
        }

        @Override
        public int trainCount(int images) {
            return Math.min(shots, images);
        }
    }

    int trainCount(int images);
}
