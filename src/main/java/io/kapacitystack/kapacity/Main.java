package io.kapacitystack.kapacity;
public final class Main { public static void main(String[] a) { System.out.println("kapacity"); } }
