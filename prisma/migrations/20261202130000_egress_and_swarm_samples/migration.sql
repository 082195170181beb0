-- Origin egress per bundle, day and source (webseed, platform seed), and swarm-size samples.
CREATE TYPE "EgressSource" AS ENUM ('WEBSEED', 'SEED');

CREATE TABLE "BundleEgress" (
    "bundleId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "source" "EgressSource" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "BundleEgress_pkey" PRIMARY KEY ("bundleId","day","source")
);

CREATE TABLE "SwarmSample" (
    "bundleId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "seeders" INTEGER NOT NULL,
    "leechers" INTEGER NOT NULL,
    "completed" INTEGER NOT NULL,

    CONSTRAINT "SwarmSample_pkey" PRIMARY KEY ("bundleId","at")
);
