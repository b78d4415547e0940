package dev.nervesys.classify;

import java.util.regex.Pattern;

/**
 * One rule of config/thresholds.yaml {@code classify.rules}: every condition given must hold.
 * Conditions: a level comparison, a regular expression found in the message, a number at a field
 * path above and/or below a limit.
 */
final class Rule {
    final String name;
    final String label;
    final int levelOp; // 0 none, 1 >=, 2 <=, 3 ==
    final int levelRank;
    final Pattern pattern;
    final int field; // index into LogFields paths, -1 = none
    final double above;
    final double below;
    final byte[] annotation;
    final String reason;

    Rule(String name, String label, int levelOp, int levelRank, Pattern pattern, int field, double above, double below, String reason) {
        this.name = name;
        this.label = label;
        this.levelOp = levelOp;
        this.levelRank = levelRank;
        this.pattern = pattern;
        this.field = field;
        this.above = above;
        this.below = below;
        this.reason = reason;
        this.annotation = Annotation.bytes(label, reason);
    }

    boolean matches(int rank, String message, double[] fields) {
        if (levelOp == 1 && rank < levelRank || levelOp == 2 && rank > levelRank || levelOp == 3 && rank != levelRank) {
            return false;
        }
        if (field >= 0) {
            double v = fields[field];
            if (Double.isNaN(v) || !(v > above) || !(v < below)) {
                return false;
            }
        }
        return pattern == null || pattern.matcher(message).find();
    }
}
