package org.mmapmtl.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseKeeperTest {

    @Test
    void aLeaseIsRenewedUntilClosedAndALostOneIsReported() throws InterruptedException {
        try (LeaseKeeper keeper = new LeaseKeeper("test-lease")) {
            AtomicInteger renewals = new AtomicInteger();
            CountDownLatch twice = new CountDownLatch(2);
            CountDownLatch lost = new CountDownLatch(1);
            // a 3 s lease is renewed every second (a third of it, and never more often)
            try (LeaseKeeper.Renewal r = keeper.keep("run x", Duration.ofSeconds(3), () -> {
                renewals.incrementAndGet();
                twice.countDown();
                if (renewals.get() == 1) {
                    throw new IllegalStateException("database away"); // logged; the next tick tries again
                }
                return renewals.get() < 2;
            }, lost::countDown)) {
                assertThat(twice.await(5, TimeUnit.SECONDS)).isTrue();
                assertThat(lost.await(5, TimeUnit.SECONDS)).as("the second renewal found the lease gone").isTrue();
            }
            int atClose = renewals.get();
            Thread.sleep(1500);
            assertThat(renewals.get()).as("no renewal after close").isEqualTo(atClose);
        }
    }
}
