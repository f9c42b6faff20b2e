package io.gavel.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreUrlTest {
  @Test
  void thePartsArePercentDecodedAndAPlusStaysAPlus() {
    StoreUrl url = StoreUrl.parse("postgresql://gavel:p%40ss+w%2Frd@db.example:6543/auctions");
    assertThat(url.user()).isEqualTo("gavel");
    assertThat(url.password()).isEqualTo("p@ss+w/rd");
    assertThat(url.host()).isEqualTo("db.example");
    assertThat(url.port()).isEqualTo(6543);
    assertThat(url.database()).isEqualTo("auctions");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/auctions");
  }

  @Test
  void whatItSaysOfItselfNeverHasThePassword() {
    StoreUrl url = StoreUrl.parse("postgresql://gavel:s3cret@127.0.0.1/gavel");
    assertThat(url.port()).as("the default port").isEqualTo(5432);
    assertThat(url.toString()).isEqualTo("postgresql://127.0.0.1:5432/gavel").doesNotContain("s3cret");
    assertThat(url.describe()).doesNotContain("s3cret");
  }
}
