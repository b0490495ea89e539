package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchCaseTest {
    @Test
    void theMedianOfAnOddCountIsTheMiddleOneAndOfAnEvenCountTheMeanOfTheMiddleTwo() {
        assertThat(BenchCase.median(new long[] {30, 10, 20})).isEqualTo(20);
        assertThat(BenchCase.median(new long[] {40, 10, 20, 30})).isEqualTo(25);
        assertThat(BenchCase.median(new long[] {26, 20})).isEqualTo(23);
        assertThat(BenchCase.median(new long[] {23, 20})).isEqualTo(22); // 21.5 rounds half up
        assertThat(BenchCase.median(new long[] {7})).isEqualTo(7);
    }

    @Test
    void aSpreadGivesTheMedianMinimumAndMaximum() {
        assertThat(BenchCase.spread(new long[] {270, 656, 220})).isEqualTo("median 270 ms (min 220, max 656)");
    }
}
